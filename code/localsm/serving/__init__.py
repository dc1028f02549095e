"""Local real-time endpoints and batch transform jobs: the SageMaker hosting contract.

A model server runs as its own process (`python -m localsm.serving <root>`, see
`__main__.py`) on a free port of 127.0.0.1, answering `GET /ping` and `POST /invocations` the
way the SageMaker XGBoost image does (`handlers.py`, `codecs.py`, `app.py`). `container.py`
lays out its folder (model artifact, code) and environment; `endpoint.py` is one endpoint's
record and process; `transform.py` a batch transform job that feeds files to a model server;
`api.py` the API operations the SDK calls; `runtime.py` the runtime client (`invoke_endpoint`).
A refused request's answer is worded in the local service's language (`wording.py`).
"""
