"""Script-mode serving as the SageMaker XGBoost image runs a user module, in process (the WSGI
app and handler, no server process; end to end: test_serving.py).

Written from the container's source: aws/sagemaker-xgboost-container
`src/sagemaker_xgboost_container/serving.py` (branch 1.7-1: `_user_module_transformer` refuses
`transform_fn` with any of `input_fn`/`predict_fn`/`output_fn`, and passes every function,
its own defaults included, to the transformer), over aws/sagemaker-containers 2.8.6
(`_transformer.py`: each function wrapped by `_functions.error_wrapper` into a `ClientError`;
`_worker.py`: a request without Content-Type is `application/json`, one without Accept or with
`*/*` gets `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`, default `application/json`;
`_content_types.UTF8_TYPES`: `text/csv` and `application/json` bodies reach the functions as
text; `_encoders.encode`: the default output is a JSON list, CSV rows or NPY). A `ClientError`
is not caught by the Flask worker: the request is answered 500, and the server goes on.
The inference toolkit (aws/sagemaker-inference-toolkit `transformer.py`) answers user errors
500 with the message as well, and refuses the same combination of functions.
"""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from werkzeug.test import Client

from localsm.serving.app import InferenceApp
from localsm.serving.handlers import ScriptHandler, StartupError, load_handler

MODEL_FN = "def model_fn(model_dir):\n    return 'the model'\n"


def server(tmp_path: Path, code: str, environ: dict | None = None) -> Client:
    """A model server root whose code folder holds `serve.py` with `code`."""
    root = tmp_path / "root"
    (root / "code").mkdir(parents=True)
    (root / "model").mkdir()
    (root / "code" / "serve.py").write_text(MODEL_FN + textwrap.dedent(code))
    handler = load_handler(root, {"SAGEMAKER_PROGRAM": "serve.py", **(environ or {})})
    assert isinstance(handler, ScriptHandler)
    return Client(InferenceApp(handler))


@pytest.mark.parametrize("others", [["input_fn"], ["predict_fn"], ["output_fn"],
                                    ["input_fn", "predict_fn", "output_fn"]])  # fmt: skip
def test_transform_fn_with_any_other_serving_function_is_refused_at_load(tmp_path, others):
    code = "def transform_fn(model, body, content_type, accept):\n    return body\n"
    for name in others:
        code += f"def {name}(*args):\n    return args[0]\n"
    with pytest.raises(StartupError) as caught:
        server(tmp_path, code)
    message = str(caught.value)
    assert message.startswith("ClientError: serve.py defines transform_fn and")
    for name in others:
        assert name in message


def test_transform_fn_alone_answers_with_its_content_type(tmp_path):
    app = server(
        tmp_path,
        """
        def transform_fn(model, body, content_type, accept):
            return f"{model}|{body}|{content_type}|{accept}", "text/plain"
        """,
    )
    answer = app.post("/invocations", data=b"1,2", content_type="text/csv",
                      headers={"Accept": "text/csv"})  # fmt: skip
    assert answer.status_code == 200
    assert answer.text == "the model|1,2|text/csv|text/csv"
    assert answer.content_type.startswith("text/plain")


def test_user_function_errors_are_500_with_the_message_and_the_server_goes_on(tmp_path):
    app = server(
        tmp_path,
        """
        def input_fn(body, content_type):
            if content_type != "text/csv":
                raise ValueError(f"cannot read {content_type}")
            return [float(v) for v in body.split(",")]

        def predict_fn(data, model):
            if len(data) > 2:
                raise RuntimeError("too many values")
            return data

        def output_fn(prediction, accept):
            if accept == "text/html":
                raise TypeError("no html")
            return ",".join(str(p) for p in prediction), accept
        """,
    )
    for body, kind, accept, fragment in (
        (
            b"{}",
            "application/json",
            "text/csv",
            "input_fn: ValueError: cannot read application/json",
        ),
        (b"1,2,3", "text/csv", "text/csv", "predict_fn: RuntimeError: too many values"),
        (b"1,2", "text/csv", "text/html", "output_fn: TypeError: no html"),
    ):
        answer = app.post("/invocations", data=body, content_type=kind, headers={"Accept": accept})
        assert answer.status_code == 500, fragment
        assert fragment in answer.text
    answer = app.post("/invocations", data=b"1,2", content_type="text/csv",
                      headers={"Accept": "text/csv"})  # fmt: skip
    assert answer.status_code == 200 and answer.text == "1.0,2.0"


def test_missing_headers_default_to_json_and_text_types_arrive_as_text(tmp_path):
    app = server(
        tmp_path,
        """
        def transform_fn(model, body, content_type, accept):
            return repr((type(body).__name__, content_type, accept)), accept
        """,
    )
    answer = app.post("/invocations", data=b"[1]")  # no Content-Type, no Accept
    assert answer.text == repr(("str", "application/json", "application/json"))
    answer = app.post("/invocations", data=b"1,2", content_type="text/csv",
                      headers={"Accept": "*/*"})  # fmt: skip
    assert answer.text == repr(("str", "text/csv", "application/json"))
    answer = app.post("/invocations", data=b"\x00\x01", content_type="application/x-npy")
    assert answer.text == repr(("bytes", "application/x-npy", "application/json"))
    picked = server(
        tmp_path / "env",
        "def transform_fn(model, body, content_type, accept):\n    return accept, accept\n",
        {"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv"},
    )
    assert picked.post("/invocations", data=b"1", content_type="text/csv").text == "text/csv"


def test_default_functions_answer_json_csv_npy_and_refuse_with_500(tmp_path):
    """With model_fn alone, the image's default input_fn decodes CSV into a DMatrix and its
    default predict_fn calls model.predict: an XGBoost booster here."""
    import xgboost as xgb

    rows = np.random.default_rng(1).normal(size=(30, 2))
    booster = xgb.train({"objective": "binary:logistic"},
                        xgb.DMatrix(rows, label=rows[:, 0] > 0), 3)  # fmt: skip
    root = tmp_path / "root"
    (root / "code").mkdir(parents=True)
    (root / "model").mkdir()
    booster.save_model(root / "model" / "xgboost-model")
    (root / "code" / "serve.py").write_text(
        "import xgboost as xgb\n"
        "def model_fn(model_dir):\n"
        "    booster = xgb.Booster()\n"
        "    booster.load_model(model_dir + '/xgboost-model')\n"
        "    return booster\n"
    )
    app = Client(InferenceApp(load_handler(root, {"SAGEMAKER_PROGRAM": "serve.py"})))
    expected = booster.predict(xgb.DMatrix(rows[:2]))
    body = b"\n".join(",".join(str(v) for v in row).encode() for row in rows[:2])
    as_json = app.post("/invocations", data=body, content_type="text/csv")
    assert as_json.status_code == 200 and as_json.content_type == "application/json"
    np.testing.assert_allclose(json.loads(as_json.text), expected, rtol=1e-6)
    as_csv = app.post("/invocations", data=body, content_type="text/csv",
                      headers={"Accept": "text/csv"})  # fmt: skip
    np.testing.assert_allclose([float(v) for v in as_csv.text.split()], expected, rtol=1e-6)
    as_npy = app.post("/invocations", data=body, content_type="text/csv",
                      headers={"Accept": "application/x-npy"})  # fmt: skip
    np.testing.assert_allclose(np.load(io.BytesIO(as_npy.data)), expected, rtol=1e-6)
    for kind, accept in (("application/json", "text/csv"), ("text/csv", "text/html")):
        answer = app.post("/invocations", data=body, content_type=kind,
                          headers={"Accept": accept})  # fmt: skip
        assert answer.status_code == 500, (kind, accept)
