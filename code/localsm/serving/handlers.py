"""What answers `/invocations`: the built-in algorithm, or a script-mode entry point's
serving functions (`model_fn`, `input_fn`, `predict_fn`, `output_fn`, or `transform_fn`).

Both load the model once, at start-up, from the model folder (`/opt/ml/model` in a container),
and turn one request body into one response body: `invoke(body, content_type, accept)`.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from localsm.serving import codecs
from localsm.serving.codecs import InferenceError
from localsm.serving.wording import message


class StartupError(Exception):
    """The model server cannot start: the message becomes the endpoint's FailureReason."""


class BuiltinHandler:
    """The SageMaker XGBoost image in algorithm mode (no `SAGEMAKER_PROGRAM`)."""

    def __init__(self, model_dir: Path, environ: dict[str, str]) -> None:
        from xgboost_report.errors import ReportError
        from xgboost_report.model_io import booster_objective, load_model

        try:
            self.booster = load_model(model_dir)
        except ReportError as error:
            raise StartupError(
                f"ClientError: the model artifact holds no XGBoost model that loads: {error}"
            ) from None
        self.objective = booster_objective(self.booster)
        self.num_features = self.booster.num_features()
        keys = environ.get("SAGEMAKER_INFERENCE_OUTPUT", "")
        self.selected = [k for k in keys.replace(" ", "").lower().split(",") if k] or None
        if self.selected:
            try:  # fail now, not per call
                codecs.select(np.zeros(1), self.objective, self.selected)
            except InferenceError as error:
                raise StartupError(f"ClientError: {error.message}") from None
        self.default_accept = codecs.media_type(
            environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"), codecs.CSV
        )
        self.batch = environ.get("SAGEMAKER_BATCH", "").lower() == "true"

    def invoke(
        self, body: bytes, content_type: str | None, accept: str | None
    ) -> tuple[bytes, str]:
        kind = codecs.request_type(content_type)
        answer = codecs.media_type(accept, self.default_accept)
        if answer not in codecs.ACCEPT_TYPES:
            types = ", ".join(codecs.ACCEPT_TYPES)
            raise InferenceError(406, message("accept", accept=answer, types=types))
        rows = codecs.decode(body, kind, self.num_features)
        predictions = self.booster.inplace_predict(rows, validate_features=False)
        return codecs.encode(predictions, answer, self.objective, self.selected, self.batch), answer


class ScriptHandler:
    """Script mode: the entry point's serving functions, as the XGBoost image calls them.

    The image (sagemaker-xgboost-container `serving.py`, over sagemaker-containers 2.8.6
    `_transformer.py` and `_worker.py`) refuses a module that defines `transform_fn` together
    with any of `input_fn`/`predict_fn`/`output_fn` when it loads; wraps every serving
    function, its own defaults included, so that any exception they raise becomes a
    `ClientError` the Flask worker answers with 500; takes a request without Content-Type as
    `application/json` and one without Accept (or `*/*`) as `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`
    (default `application/json`); and hands `text/csv` and `application/json` bodies to the
    functions as text, every other body as bytes.
    """

    def __init__(self, code_dir: Path, model_dir: Path, program: str, environ: dict) -> None:
        self.module = _import_entry_point(code_dir, program)
        self.program = program
        functions = {name: getattr(self.module, name, None) for name in SERVING_FUNCTIONS}
        if functions["transform_fn"] and any(functions[n] for n in SERVING_FUNCTIONS[1:]):
            defined = [n for n in SERVING_FUNCTIONS[1:] if functions[n]]
            raise StartupError(
                f"ClientError: {program} defines transform_fn and {', '.join(defined)}: the "
                "serving stack uses either transform_fn alone, or input_fn/predict_fn/"
                "output_fn. Remove transform_fn, or the other functions."
            )
        model_fn = getattr(self.module, "model_fn", None)
        if model_fn is None:
            raise StartupError(
                f"ClientError: the entry point {program} has no model_fn(model_dir). Add one "
                "that loads the model your training code saved in SM_MODEL_DIR; the serving "
                "stack calls it once at start-up."
            )
        try:
            self.model = model_fn(str(model_dir))
        except Exception as error:  # noqa: BLE001 - the user's code: report, don't crash
            raise StartupError(
                f"ClientError: model_fn of {program} failed: {type(error).__name__}: {error}"
            ) from None
        self.transform_fn = functions["transform_fn"]
        self.input_fn = functions["input_fn"] or _default_input_fn
        self.predict_fn = functions["predict_fn"] or _default_predict_fn
        self.output_fn = functions["output_fn"] or _default_output_fn
        self.default_accept = codecs.media_type(
            environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"), codecs.JSON
        )

    def invoke(
        self, body: bytes, content_type: str | None, accept: str | None
    ) -> tuple[bytes, str]:
        content_type = content_type or codecs.JSON
        accept = accept if accept and accept != "*/*" else self.default_accept
        content: str | bytes = body
        if content_type in TEXT_TYPES:  # as werkzeug's get_data(as_text=True) decodes it
            content = body.decode("utf-8", errors="replace")
        if self.transform_fn is not None:
            result = _call(self.transform_fn, self.model, content, content_type, accept)
            return _as_response(result, accept)
        data = _call(self.input_fn, content, content_type)
        prediction = _call(self.predict_fn, data, self.model)
        return _as_response(_call(self.output_fn, prediction, accept), accept)


# The user module's serving functions (sagemaker-xgboost-container serving.py).
SERVING_FUNCTIONS = ("transform_fn", "input_fn", "predict_fn", "output_fn")
NPY = "application/x-npy"
TEXT_TYPES = ("text/csv", "application/json")  # sagemaker-containers _content_types.UTF8_TYPES
USER_ERROR_STATUS = 500  # sagemaker-containers: a wrapped ClientError, unhandled by Flask


def _call(function: Any, *args: Any) -> Any:
    """Run one serving function; any exception is the request's 500, with its message (the
    server goes on answering)."""
    try:
        return function(*args)
    except InferenceError as error:
        raise InferenceError(USER_ERROR_STATUS, f"{_name(function)}: {error.message}") from None
    except Exception as error:  # noqa: BLE001 - the user's code decides what it refuses
        text = f"{_name(function)}: {type(error).__name__}: {error}"
        raise InferenceError(USER_ERROR_STATUS, text) from None


def _name(function: Any) -> str:
    """`input_fn`, also for our defaults (`_default_input_fn`)."""
    return function.__name__.removeprefix("_default_")


def _as_response(result: Any, accept: str) -> tuple[bytes, str]:
    """`output_fn` may return the body, or `(body, content_type)`."""
    body, kind = result if isinstance(result, tuple) else (result, accept)
    return (body.encode() if isinstance(body, str) else bytes(body)), kind


def _import_entry_point(code_dir: Path, program: str) -> Any:
    """Import the entry point as a module from the code folder (its `__main__` block not run)."""
    path = code_dir / program
    if not path.is_file():
        raise StartupError(f"ClientError: entry point {program} not found in the model's code")
    sys.path.insert(0, str(code_dir))  # the entry point may import its neighbours
    spec = importlib.util.spec_from_file_location(Path(program).stem, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001
        raise StartupError(
            f"ClientError: importing {program} failed: {type(error).__name__}: {error}"
        ) from None
    return module


def _default_input_fn(body: str | bytes, content_type: str) -> Any:
    import xgboost as xgb

    data = body.encode() if isinstance(body, str) else body
    return xgb.DMatrix(codecs.decode(data, codecs.request_type(content_type), 0))


def _default_predict_fn(data: Any, model: Any) -> np.ndarray:
    return model.predict(data, validate_features=False)


def _default_output_fn(prediction: Any, accept: str) -> tuple[bytes, str]:
    """sagemaker-containers' `_encoders.encode`: JSON (a plain list), CSV (one row per line) or
    NPY; any other Accept type is unsupported (the request's 500, as the image answers)."""
    kind = codecs.media_type(accept, codecs.JSON)
    array = np.asarray(prediction)
    if kind == codecs.JSON:
        return json.dumps(array.tolist()).encode(), kind
    if kind == codecs.CSV:
        rows = array.reshape(-1, 1) if array.ndim == 1 else array
        stream = io.StringIO()
        csv.writer(stream, lineterminator="\n").writerows(rows)
        return stream.getvalue().encode(), kind
    if kind == NPY:
        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue(), kind
    raise InferenceError(USER_ERROR_STATUS, message("accept_script", accept=accept))


def load_handler(
    root: Path, environ: dict[str, str] = os.environ
) -> BuiltinHandler | ScriptHandler:
    """The handler the image would run: script mode when `SAGEMAKER_PROGRAM` is set."""
    program = environ.get("SAGEMAKER_PROGRAM")
    if program:
        return ScriptHandler(root / "code", root / "model", program, environ)
    return BuiltinHandler(root / "model", environ)
