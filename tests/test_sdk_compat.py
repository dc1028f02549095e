"""localsm.sdk_compat: the one module that touches SDK internals, and touches only local
sessions' configs."""

from __future__ import annotations

import inspect

import jsonschema
import pytest
import sagemaker
import sagemaker.config.config
import sagemaker.local.local_session
import sagemaker.session
import sagemaker.utils
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput

from localsm import LocalSageMakerSession, patches, sdk_compat
from localsm.session import SDK_CONFIG


@pytest.fixture
def schema_checks(monkeypatch) -> list[tuple[dict, bool]]:
    """Every config the SDK's real validator checks (it calls jsonschema.validate), and
    whether the check came through our wrapper (True) or from the SDK directly."""
    seen: list[tuple[dict, bool]] = []
    real = jsonschema.validate

    def validate(instance, schema, *args, **kwargs):
        wrapped = any(frame.filename == sdk_compat.__file__ for frame in inspect.stack())
        seen.append((instance, wrapped))
        return real(instance, schema, *args, **kwargs)

    monkeypatch.setattr(sagemaker.config.config.jsonschema, "validate", validate)
    return seen


def test_sessions_share_one_wrapper_undone_when_the_last_closes(tmp_path):
    """Each local session enters patches.py's "sdk" layer; the wrapper is made once and the
    SDK's own function is back when the last session closes (sessions other tests left open
    keep it)."""
    entered = patches.depth("sdk")
    original = sagemaker.utils.validate_sagemaker_config
    first = LocalSageMakerSession(jobs_dir=tmp_path / "a")
    wrapper = sagemaker.utils.validate_sagemaker_config
    with LocalSageMakerSession(jobs_dir=tmp_path / "b"):
        assert sagemaker.utils.validate_sagemaker_config is wrapper
    assert sagemaker.utils.validate_sagemaker_config is wrapper
    # the modules that import it by name call the same wrapper
    assert sagemaker.session.validate_sagemaker_config is wrapper
    assert sagemaker.local.local_session.validate_sagemaker_config is wrapper
    assert getattr(wrapper, sdk_compat.MARKER)
    assert not getattr(wrapper.__wrapped__, sdk_compat.MARKER, False)
    first.close()
    first.close()  # once only
    assert patches.depth("sdk") == entered
    if not entered:
        assert sagemaker.utils.validate_sagemaker_config is original
        assert not getattr(original, sdk_compat.MARKER, False)


def test_a_bad_config_still_raises(tmp_path, schema_checks):
    """Other sessions' configs, and a local config changed after it passed, are validated."""
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    bad = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"NoSuchKey": 1}}}}
    for _ in range(2):  # twice: a cache must not remember a failure as a pass either
        with pytest.raises(jsonschema.ValidationError):
            sagemaker.utils.validate_sagemaker_config(bad)
    sagemaker.utils.get_sagemaker_config_value(session, "SageMaker.PythonSDK")
    session.sagemaker_config["SageMaker"]["PythonSDK"]["Modules"]["NoSuchKey"] = 1
    with pytest.raises(jsonschema.ValidationError):
        sagemaker.utils.get_sagemaker_config_value(session, "SageMaker.PythonSDK")
    assert SDK_CONFIG["SageMaker"]["PythonSDK"]["Modules"] == {"TelemetryOptOut": True}


def test_one_fit_reaches_the_real_validator_once(tmp_path, schema_checks, bundled):
    """The SDK looks its config up about 20 times per fit; through our wrapper the schema
    check runs once for a session's config, however many fits follow."""
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    created = [c for c, _ in schema_checks if c is session.sagemaker_config]
    assert len(created) == 1  # the local session checked its config once, not three times
    estimator = Estimator(
        image_uri=sagemaker.image_uris.retrieve("xgboost", "us-east-1", "1.5-1"),
        role="arn:aws:iam::000000000000:role/Local",
        instance_count=1,
        instance_type="local",
        output_path=(tmp_path / "models").as_uri(),
        sagemaker_session=session,
        hyperparameters={"num_round": 2, "objective": "binary:logistic"},
    )
    train = TrainingInput(bundled["validation"].as_uri(), content_type="text/csv")
    estimator.fit({"train": train}, logs="None")
    assert estimator.latest_training_job.describe()["TrainingJobStatus"] == "Completed"
    through_wrapper = [
        c for c, wrapped in schema_checks if wrapped and c is session.sagemaker_config
    ]
    assert len(through_wrapper) == 1


def test_a_real_session_is_not_cached(tmp_path, schema_checks):
    """A non-local config object is validated at every lookup, as the SDK does."""
    LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    other = {"SchemaVersion": "1.0"}
    for _ in range(3):
        sagemaker.utils.get_sagemaker_config_value(None, "SageMaker", sagemaker_config=other)
    assert [c for c, _ in schema_checks if c is other] == [other] * 3
