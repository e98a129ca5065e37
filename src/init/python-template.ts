/**
 * The files of `mlaas init --template python`: a FastAPI app under uvicorn,
 * as the seed article's services are, honouring the service contract
 * (127.0.0.1:$PORT, /healthz, tenant from the gateway's headers; uvicorn
 * drains on SIGTERM). The artifact build makes a venv that sees the host's
 * packages (see examples/fastapi-sentiment).
 */
const MAIN_PY = `"""The service: one route; the gateway says who the tenant is and what its settings are."""
import base64
import json

from fastapi import FastAPI, Header
from pydantic import BaseModel

app = FastAPI(title="__NAME__")


class Input(BaseModel):
    text: str


def tenant_config(encoded: str | None) -> dict:
    """x-mlaas-config: base64url JSON without padding."""
    if not encoded:
        return {}
    try:
        return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except ValueError:
        return {}


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.post("/predict")
def predict(body: Input, x_mlaas_tenant: str | None = Header(default=None), x_mlaas_config: str | None = Header(default=None)) -> dict:
    # Replace with your model: $MLAAS_MODEL_<NAME> is the file of a model mlaas.yaml binds to this service.
    return {"length": len(body.text), "tenant": x_mlaas_tenant, "config": tenant_config(x_mlaas_config)}
`;

const SERVE_PY = `"""Starts the app on 127.0.0.1:$PORT ($MLAAS_LISTEN_HOST when set, as exported images do)."""
import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run(
        "main:app",
        host=os.environ.get("MLAAS_LISTEN_HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        access_log=False,
    )
`;

const README = `# __NAME__

A FastAPI service, made by \`mlaas init --template python\`. \`mlaas up\`
builds a venv for \`requirements.txt\` that sees the host's packages
(Debian: \`apt-get install python3-fastapi python3-uvicorn python3-venv\`)
and serves \`POST /predict\` behind the gateway route that \`mlaas init\` added.
`;

/** Relative path → content. */
export function pythonTemplateFiles(name: string): Record<string, string> {
  return {
    'main.py': MAIN_PY.replaceAll('__NAME__', name),
    'serve.py': SERVE_PY,
    'requirements.txt': 'fastapi\nuvicorn\n',
    'README.md': README.replaceAll('__NAME__', name),
  };
}
