"""SDK v3: the Task 2 figure reads a v3 tuner's jobs through the same API calls as with v2, and
agrees with the v3 tuner's own table (`tuner.analytics().dataframe()`). Runs in .venv-v3."""

from __future__ import annotations

import time

import matplotlib
import pytest

pytest.importorskip("sagemaker.train", reason="SDK v3 tests run in .venv-v3 (make test)")
matplotlib.use("Agg")

from sagemaker.core.parameter import ContinuousParameter, IntegerParameter  # noqa: E402
from test_v3_local import channels, outputs, script_trainer, setup, tuner_for  # noqa: E402, F401

import lab  # noqa: E402


def test_the_tuning_figure_reads_a_v3_tuning_job(setup):  # noqa: F811
    script = script_trainer(setup, "v3-figure", num_round=5, nfold=0, eval_metric="auc")
    ranges = {"max_depth": IntegerParameter(3, 6), "eta": ContinuousParameter(0.1, 0.3)}
    tuner = tuner_for(script, ranges, jobs=2, parallel=2, seed=3)
    name = f"v3-figure-{int(time.time() * 1000) % 10**9}"
    tuner.tune(inputs=channels(setup.train_uri, setup.validation_uri), job_name=name, wait=True)
    display = lab.TuningSearchDisplay.from_tuning_job(setup.session, name)
    (search,) = display.searches
    frame = tuner.analytics().dataframe().sort_values("TrainingJobName")
    assert [job["name"] for job in sorted(search.jobs, key=lambda j: j["name"])] == list(
        frame["TrainingJobName"]
    )
    assert sorted(job["objective"] for job in search.scored) == sorted(frame["FinalObjectiveValue"])
    assert set(search.hyperparameters) == {"max_depth", "eta"} and search.skipped == 0
    display.plot("hyperparameters")
    assert [ax.get_xlabel() for ax in display.axes_] == search.hyperparameters
