"""One training job of the built-in algorithm: plan, fit with early stopping, save.

Validated hyperparameters become `xgb.train` parameters and container-level settings (rounds,
early stopping, the metrics computed here); the model is saved as UBJSON next to
`eval_history.json`, the record the training report reads.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xgboost as xgb

from localsm.builtin import TRAIN, VALIDATION, UserError, log, versions, xgboost_message
from localsm.builtin.channels import validate_channels
from localsm.builtin.data import Table, load_channels
from localsm.builtin.hyperparameters import (
    CONTAINER_ONLY,
    REMOVED_IN_XGBOOST_3,
    validate_hyperparameters,
)
from localsm.builtin.metrics import CONTAINER_METRICS, custom_metric
from localsm.builtin.termination import TerminationCallback, save_on_termination
from localsm.metrics import is_maximized

MODEL_FILE_NAME = "xgboost-model"
HISTORY_FILE_NAME = "eval_history.json"
# XGBoost errors that come from the user's data or parameters (the container's list, widened).
_USER_ERROR_HINTS = (
    "label must be", "label_correct", "base_score", "reg_lambda", "num_class",
    "preds.size() == info.labels_.size()", "feature_names mismatch", "invalid parameter",
    "invalid input", "unknown objective", "unknown metric", "unknown tree updater",
    "only contains pos or neg", "must be", "expected", "cannot", "can not", "not supported",
)  # fmt: skip


@dataclass
class TrainingPlan:
    """What xgb.train gets, derived from the validated hyperparameters."""

    params: dict[str, Any]
    num_round: int
    metrics: list[str]  # every metric asked for, in order (tuning objective's last)
    custom_metrics: list[str]  # the ones computed here, not by XGBoost
    early_stopping_rounds: int | None
    stopping_metric: str | None  # None: XGBoost's choice (the last metric it evaluates)
    notes: list[str] = field(default_factory=list)


def plan_training(hps: dict[str, Any], version: str = versions.LATEST) -> TrainingPlan:
    """XGBoost parameters and the container-level settings from validated hyperparameters
    (image `version`: its XGBoost's default metric when none is asked for)."""
    notes: list[str] = []
    params: dict[str, Any] = {}
    for name, value in hps.items():
        if name in CONTAINER_ONLY or name == "eval_metric":
            continue
        if name in REMOVED_IN_XGBOOST_3:
            notes.append(f"{name} is ignored: XGBoost {xgb.__version__} no longer has it")
            continue
        if name == "tree_method" and value == "gpu_hist":
            notes.append("tree_method gpu_hist runs as hist on the CPU in local mode")
            value = "hist"
        if name == "updater":
            value = ",".join(value)
        elif name == "monotone_constraints":
            value = "(" + ",".join(str(v) for v in value) + ")"
        elif name == "interaction_constraints":
            value = json.dumps(value)
        params[name] = value
    metrics = list(hps.get("eval_metric", []))
    tuning = hps.get("_tuning_objective_metric")
    if tuning:
        metric = tuning.partition(":")[2]
        metrics = [m for m in metrics if m != metric] + [metric]
    if not metrics:
        default = versions.default_metric(version, hps.get("objective", "reg:squarederror"))
        metrics = [default] if default else []
    native = [m for m in metrics if m not in CONTAINER_METRICS]
    if native:
        params["eval_metric"] = native
    if hps.get("use_dask_gpu_training") == "true":
        notes.append("use_dask_gpu_training is ignored: local mode trains on one CPU process")
    return TrainingPlan(
        params=params,
        num_round=hps["num_round"],
        metrics=metrics,
        custom_metrics=[m for m in metrics if m in CONTAINER_METRICS],
        early_stopping_rounds=hps.get("early_stopping_rounds"),
        stopping_metric=metrics[-1] if metrics else None,
        notes=notes,
    )


def _early_stopping(plan: TrainingPlan, has_validation: bool) -> dict[str, Any] | None:
    """Early stopping settings: only with early_stopping_rounds and a validation channel."""
    if not plan.early_stopping_rounds:
        return None
    if not has_validation:
        log(
            "WARNING: early_stopping_rounds is set but there is no validation channel; "
            f"training all {plan.num_round} rounds"
        )
        return None
    metric = plan.stopping_metric  # None: the last metric XGBoost evaluates (its default)
    log(
        f"Early stopping: after {plan.early_stopping_rounds} rounds without improvement "
        f"of validation-{metric or '<the default metric>'}"
    )
    return {
        "rounds": plan.early_stopping_rounds,
        "data": VALIDATION,
        "metric": metric,
        "maximize": is_maximized(metric) if metric else None,
    }


class InOrder(xgb.callback.TrainingCallback):
    """Runs callbacks in the given order, each of them every round."""

    def __init__(self, callbacks: list[xgb.callback.TrainingCallback]) -> None:
        super().__init__()
        self.callbacks = callbacks

    def before_training(self, model: xgb.Booster) -> xgb.Booster:
        for callback in self.callbacks:
            model = callback.before_training(model)
        return model

    def after_training(self, model: xgb.Booster) -> xgb.Booster:
        for callback in self.callbacks:
            model = callback.after_training(model)
        return model

    # Lists, not generators, in any(): every callback runs even after one of them says stop.
    def before_iteration(self, model: xgb.Booster, epoch: int, evals_log: dict) -> bool:
        return any([c.before_iteration(model, epoch, evals_log) for c in self.callbacks])

    def after_iteration(self, model: xgb.Booster, epoch: int, evals_log: dict) -> bool:
        return any([c.after_iteration(model, epoch, evals_log) for c in self.callbacks])


def fit(
    plan: TrainingPlan, tables: dict[str, Table], objective: str
) -> tuple[xgb.Booster, dict[str, Any], dict[str, Any] | None]:
    """xgb.train with the evaluation log on stdout; returns booster, history, early stopping."""
    matrices = {
        name: xgb.DMatrix(
            t.features, label=t.labels, weight=t.weights, nthread=plan.params.get("nthread", -1)
        )
        for name, t in tables.items()
    }
    evals = [(matrices[name], name) for name in (TRAIN, VALIDATION) if name in matrices]
    # XGBoost's own monitor prints the `[N]<TAB>train-...` lines. It must run before early
    # stopping, or the round that stops training goes unprinted: xgb.train keeps its
    # callbacks in a set (no order) and stops asking them once one says stop.
    callbacks: list[xgb.callback.TrainingCallback] = [xgb.callback.EvaluationMonitor()]
    stopping = _early_stopping(plan, VALIDATION in matrices)
    if stopping:
        callbacks.append(
            xgb.callback.EarlyStopping(
                rounds=stopping["rounds"],
                metric_name=stopping["metric"],
                data_name=VALIDATION,
                maximize=stopping["maximize"],
                save_best=False,
            )
        )
    callbacks.append(TerminationCallback())
    history: dict[str, Any] = {}
    log(f"Training {plan.num_round} rounds with {json.dumps(plan.params, sort_keys=True)}")
    try:
        booster = xgb.train(
            plan.params,
            matrices[TRAIN],
            num_boost_round=plan.num_round,
            evals=evals,
            evals_result=history,
            verbose_eval=False,  # printed by the EvaluationMonitor above
            callbacks=[InOrder(callbacks)],
            custom_metric=custom_metric(plan.custom_metrics, objective),
        )
    except xgb.core.XGBoostError as error:
        message = xgboost_message(error)
        if any(hint in str(error).lower() for hint in _USER_ERROR_HINTS):
            raise UserError(f"XGBoost rejected the training job: {message}") from None
        raise RuntimeError(f"XGB train call failed with exception: {message}") from error
    return booster, history, stopping


def _read_json(path: Path) -> dict:
    """A config file the job runner wrote, as a dict."""
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} not found: {path} (the job runner writes it)")
    data = json.loads(path.read_text() or "{}")
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def save_model(booster: xgb.Booster, path: Path) -> None:
    """Booster.save_model in UBJSON, written next to the job and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent.parent / f".{path.name}.{os.getpid()}.partial.ubj"
    try:
        booster.save_model(str(partial))  # the .ubj extension selects UBJSON explicitly
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _keep_best_round(
    booster: xgb.Booster, plan: TrainingPlan, stopping: dict[str, Any], history: dict[str, Any]
) -> tuple[xgb.Booster, int, float]:
    """After early stopping: name the metric it watched, cut the model back to its best round."""
    best_iteration, best_score = int(booster.best_iteration), float(booster.best_score)
    if stopping["metric"] is None:  # XGBoost's default metric: name it for the record
        stopping["metric"] = list(history[VALIDATION])[-1]
        stopping["maximize"] = is_maximized(stopping["metric"])
    kept = f"the saved model keeps rounds 0 to {best_iteration}"
    if best_iteration + 1 < booster.num_boosted_rounds():
        if plan.params.get("booster") == "gblinear":
            kept = "a gblinear model cannot be cut back: the saved model is the last round's"
        else:
            booster = booster[: best_iteration + 1]
    log(
        f"Best iteration: {best_iteration} (validation-{stopping['metric']} "
        f"{best_score:.5f}); {kept}"
    )
    return booster, best_iteration, best_score


def train(ml_root: Path | str) -> dict[str, Any]:
    """Run one training job in `ml_root`; returns what eval_history.json holds.

    Raises UserError for a user error; anything else is a framework error.
    """
    ml = Path(ml_root)
    config = ml / "input" / "config"
    version = os.environ.get(versions.VERSION_VARIABLE) or versions.LATEST
    hps = validate_hyperparameters(_read_json(config / "hyperparameters.json"), version)
    formats = validate_channels(_read_json(config / "inputdataconfig.json"))
    plan = plan_training(hps, version)
    save_on_termination(hps.get("save_model_on_termination") == "true")
    objective = plan.params.get("objective", "reg:squarederror")
    log(f"Local built-in XGBoost algorithm (XGBoost {xgb.__version__})")
    log("Hyperparameters: " + json.dumps(hps, sort_keys=True))
    for note in plan.notes:
        log(note)
    tables = load_channels(ml / "input" / "data", formats, hps, objective)
    booster, history, stopping = fit(plan, tables, objective)

    rounds_trained = booster.num_boosted_rounds()
    best_iteration = best_score = None
    if stopping:
        booster, best_iteration, best_score = _keep_best_round(booster, plan, stopping, history)
    summary = {
        "algorithm": "sagemaker-xgboost built-in algorithm (local)",
        "xgboost_version": xgb.__version__,
        "objective": objective,
        "num_features": tables[TRAIN].columns,
        "num_rows": {name: t.rows for name, t in tables.items()},
        "data_formats": formats,
        "hyperparameters": hps,
        "xgboost_params": plan.params,
        "num_round": plan.num_round,
        "rounds_trained": rounds_trained,
        "model_rounds": booster.num_boosted_rounds(),
        "metrics": list(next(iter(history.values())).keys()) if history else [],
        "tuning_objective_metric": hps.get("_tuning_objective_metric"),
        "early_stopping": stopping,
        "best_iteration": best_iteration,
        "best_score": best_score,
        "evals_result": {d: {m: list(v) for m, v in per.items()} for d, per in history.items()},
    }
    output_data = ml / "output" / "data"
    output_data.mkdir(parents=True, exist_ok=True)
    (output_data / HISTORY_FILE_NAME).write_text(json.dumps(summary, indent=1) + "\n")
    save_model(booster, ml / "model" / MODEL_FILE_NAME)
    log(f"Model saved to model/{MODEL_FILE_NAME} (UBJSON, {booster.num_boosted_rounds()} rounds)")
    return summary
