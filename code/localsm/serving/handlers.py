"""What answers `/invocations`: the built-in algorithm, or a script-mode entry point's
serving functions (`model_fn`, `input_fn`, `predict_fn`, `output_fn`, or `transform_fn`).

Both load the model once, at start-up, from the model folder (`/opt/ml/model` in a container),
and turn one request body into one response body: `invoke(body, content_type, accept)`.
"""

from __future__ import annotations

import importlib.util
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
    """Script mode: the entry point's serving functions, as the XGBoost image calls them."""

    def __init__(self, code_dir: Path, model_dir: Path, program: str) -> None:
        self.module = _import_entry_point(code_dir, program)
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
        self.transform_fn = getattr(self.module, "transform_fn", None)
        self.input_fn = getattr(self.module, "input_fn", None) or _default_input_fn
        self.predict_fn = getattr(self.module, "predict_fn", None) or _default_predict_fn
        self.output_fn = getattr(self.module, "output_fn", None) or _default_output_fn

    def invoke(
        self, body: bytes, content_type: str | None, accept: str | None
    ) -> tuple[bytes, str]:
        content_type = content_type or codecs.CSV
        accept = codecs.media_type(accept, codecs.CSV)
        if not body.strip():
            raise InferenceError(400, message("empty_rows"))
        if self.transform_fn is not None:
            result = _call(self.transform_fn, 400, self.model, body, content_type, accept)
            return _as_response(result, accept)
        data = _call(self.input_fn, 415, body, content_type)
        prediction = _call(self.predict_fn, 400, data, self.model)
        return _as_response(_call(self.output_fn, 406, prediction, accept), accept)


def _call(function: Any, status: int, *args: Any) -> Any:
    """Run one of the user's functions; an exception is the request's error (not a crash)."""
    try:
        return function(*args)
    except InferenceError:
        raise
    except Exception as error:  # noqa: BLE001 - the user's code decides what it refuses
        raise InferenceError(status, f"{function.__name__}: {error}") from None


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


def _default_input_fn(body: bytes, content_type: str) -> Any:
    import xgboost as xgb

    return xgb.DMatrix(codecs.decode(body, codecs.request_type(content_type), 0))


def _default_predict_fn(data: Any, model: Any) -> np.ndarray:
    return model.predict(data, validate_features=False)


def _default_output_fn(prediction: np.ndarray, accept: str) -> tuple[bytes, str]:
    if accept not in codecs.ACCEPT_TYPES:
        raise InferenceError(406, message("accept_script", accept=accept))
    return codecs.encode(np.asarray(prediction), accept, "", None, False), accept


def load_handler(
    root: Path, environ: dict[str, str] = os.environ
) -> BuiltinHandler | ScriptHandler:
    """The handler the image would run: script mode when `SAGEMAKER_PROGRAM` is set."""
    program = environ.get("SAGEMAKER_PROGRAM")
    if program:
        return ScriptHandler(root / "code", root / "model", program)
    return BuiltinHandler(root / "model", environ)
