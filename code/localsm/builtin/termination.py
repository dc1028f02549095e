"""`save_model_on_termination`: a stopped job keeps the rounds trained so far.

SageMaker stops a job with SIGTERM, waits, then SIGKILLs it, and uploads `/opt/ml/model` either
way. With `save_model_on_termination=true` the container saves the model it has when SIGTERM
comes. Here the SIGTERM handler (`__main__`) asks the round in progress to be the last one
(`TerminationCallback`), and the job then saves its model as usual.
"""

from __future__ import annotations

import xgboost as xgb

from localsm.builtin import log

_STATE = {"save": False, "training": False, "trained": False, "requested": False}


def save_on_termination(enabled: bool) -> None:
    """Whether a SIGTERM during training ends it with the model saved (the hyperparameter)."""
    _STATE["save"] = enabled


def requested() -> bool:
    """Called on SIGTERM: True when the model will be saved (training stops after this round,
    or has ended and the model is being saved: a second SIGTERM must not cut that short);
    False when the process should exit now (the setting is off, or training has not begun)."""
    if not (_STATE["save"] and (_STATE["training"] or _STATE["trained"])):
        return False
    _STATE["requested"] = True
    return True


class TerminationCallback(xgb.callback.TrainingCallback):
    """Ends training after the round in progress once SIGTERM has come."""

    def before_training(self, model: xgb.Booster) -> xgb.Booster:
        _STATE["training"] = True
        return model

    def after_training(self, model: xgb.Booster) -> xgb.Booster:
        _STATE["training"], _STATE["trained"] = False, True
        if _STATE["requested"]:
            log(
                f"SIGTERM: training stopped after {model.num_boosted_rounds()} rounds; saving "
                "the model (save_model_on_termination=true)"
            )
        return model

    def after_iteration(self, model: xgb.Booster, epoch: int, evals_log: dict) -> bool:
        return _STATE["requested"]
