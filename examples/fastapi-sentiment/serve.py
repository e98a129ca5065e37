"""Starts the service the way the platform's contract asks: on 127.0.0.1:$PORT
($MLAAS_LISTEN_HOST instead when set: the exported container image sets 0.0.0.0).

Reading PORT here means the instance command needs no shell expansion:
`[python, serve.py]`, with the artifact's venv first in PATH. uvicorn
handles SIGTERM itself: it stops accepting, lets in-flight requests finish,
then exits.
"""
import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run(
        "main:app",
        host=os.environ.get("MLAAS_LISTEN_HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        # The gateway logs every request already.
        access_log=False,
    )
