"""Starts the FastAPI peer on 127.0.0.1:$PORT with one uvicorn worker, after
printing the held-out metrics as one JSON line (`METRICS {...}`) on stdout
for the benchmark to read.
"""
import importlib.util
import json
import os
import sys

import uvicorn

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import main

    config = uvicorn.Config(
        main.app,
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        workers=1,
        log_level="warning",
        access_log=False,
    )
    # What uvicorn's "auto" picks: uvloop and httptools when installed, else asyncio and h11.
    stack = {
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
    }
    print("METRICS " + json.dumps({**main.metrics, **stack}), flush=True)
    uvicorn.Server(config).run()
