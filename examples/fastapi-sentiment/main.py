"""The fastapi-sentiment service, the seed article's own stack (FastAPI under
uvicorn): `POST /predict {"text": "..."}` ->
`{"label": "positive" | "negative" | "neutral", "score": polarity, "tenant": ...}`.

Stateless: everything comes from the request. The gateway says who the
caller is (`x-mlaas-tenant`), what its settings are (`x-mlaas-config`,
base64url JSON) and which request this is (`x-request-id`). A tenant may
widen or narrow the neutral band with its setting `neutralBand` (0 to 1).
Errors are application/problem+json, as everywhere behind the gateway.
"""
import base64
import binascii
import json
from typing import Optional

from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sentiment import DEFAULT_NEUTRAL_BAND, classify

app = FastAPI(title="fastapi-sentiment", version="1.0.0")


class PredictRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=100_000)


class Prediction(BaseModel):
    label: str
    score: float
    tenant: Optional[str]


def tenant_config(header: Optional[str]) -> dict:
    """The tenant's settings; {} when the header is absent or garbled (serve with defaults, never crash)."""
    if not header:
        return {}
    try:
        parsed = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (binascii.Error, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def neutral_band(config: dict) -> float:
    value = config.get("neutralBand")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1:
        return float(value)
    return DEFAULT_NEUTRAL_BAND


@app.exception_handler(RequestValidationError)
async def problem_for_invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"path": ".".join(str(part) for part in err["loc"] if part != "body"), "message": err["msg"]}
        for err in exc.errors()
    ]
    problem = {
        "type": "https://mlaas.dev/errors/SDK_BODY_INVALID",
        "title": "Request body invalid",
        "status": 400,
        "detail": f"request body has {len(errors)} invalid field(s)",
        "code": "SDK_BODY_INVALID",
        "errors": errors,
    }
    request_id = request.headers.get("x-request-id")
    if request_id:
        problem["requestId"] = request_id
    return JSONResponse(problem, status_code=400, media_type="application/problem+json")


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.post("/predict", response_model=Prediction)
def predict(
    body: PredictRequest,
    x_mlaas_tenant: Optional[str] = Header(None),
    x_mlaas_config: Optional[str] = Header(None),
) -> Prediction:
    label, score = classify(body.text, neutral_band(tenant_config(x_mlaas_config)))
    return Prediction(label=label, score=round(score, 6), tenant=x_mlaas_tenant)
