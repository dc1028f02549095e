"""SDK v3 re-validates its config against a large JSON schema on every config lookup
(sagemaker/core/common_utils.py `get_sagemaker_config_value` calls
`SageMakerConfig().validate_sagemaker_config`, which calls `jsonschema.validate`: about 70 ms,
some 35 times in the Clarify notebook). A local session's own config is checked once while
local mode is on (localsm/sdk_compat.py, item 1); every other config still is, each time.
Runs in .venv-v3."""

from __future__ import annotations

import jsonschema
import pytest

pytest.importorskip("sagemaker.core", reason="SDK v3 tests run in .venv-v3 (make test)")

import sagemaker.core.config.config  # noqa: E402
import sagemaker.core.config.config_manager  # noqa: E402
import sagemaker.core.helper.session_helper  # noqa: E402
from sagemaker.core.common_utils import get_sagemaker_config_value  # noqa: E402
from sagemaker.core.config.config_manager import SageMakerConfig  # noqa: E402
from sagemaker.core.helper.session_helper import Session  # noqa: E402

import localsm  # noqa: E402
from localsm import sdk_compat  # noqa: E402
from localsm.sdk_compat import SDK_CONFIG  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_aws_configuration")
BAD = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"NoSuchKey": 1}}}}


@pytest.fixture
def schema_checks(monkeypatch) -> list[dict]:
    """Every config sagemaker-core's real validators check (both call jsonschema.validate)."""
    seen: list[dict] = []
    real = jsonschema.validate

    def validate(instance, schema, *args, **kwargs):
        seen.append(instance)
        return real(instance, schema, *args, **kwargs)

    for module in (sagemaker.core.config.config, sagemaker.core.config.config_manager):
        monkeypatch.setattr(module.jsonschema, "validate", validate)
    return seen


def test_a_local_sessions_config_is_checked_once_while_local_mode_is_on(tmp_path, schema_checks):
    config = sdk_compat.with_local_defaults({}, SDK_CONFIG)
    sdk_compat.register_local_config(config)  # as localsm/session_v3.py does with its own
    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        before = len(schema_checks)
        session = Session(sagemaker_config=config)  # checks it once
        for _ in range(5):
            get_sagemaker_config_value(session, "SageMaker.PythonSDK.Modules.TelemetryOptOut")
        assert len(schema_checks) - before == 1
        # changed after it passed: checked again, and a bad value still raises
        session.sagemaker_config["SageMaker"]["PythonSDK"]["Modules"]["NoSuchKey"] = 1
        with pytest.raises(jsonschema.ValidationError):
            get_sagemaker_config_value(session, "SageMaker.PythonSDK")
        for _ in range(2):  # a cache must not remember a failure as a pass either
            with pytest.raises(jsonschema.ValidationError):
                SageMakerConfig.validate_sagemaker_config(BAD)
            with pytest.raises(jsonschema.ValidationError):
                sagemaker.core.config.config.validate_sagemaker_config(BAD)


def test_the_sdks_own_validators_are_back_when_local_mode_ends(tmp_path):
    method = vars(SageMakerConfig)["validate_sagemaker_config"]
    function = sagemaker.core.config.config.validate_sagemaker_config
    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        wrapped = vars(SageMakerConfig)["validate_sagemaker_config"]
        assert getattr(wrapped.__func__, sdk_compat.MARKER)
        assert sagemaker.core.helper.session_helper.validate_sagemaker_config is not function
        SageMakerConfig().validate_sagemaker_config({"SchemaVersion": "1.0"})  # still static
    assert vars(SageMakerConfig)["validate_sagemaker_config"] is method
    assert sagemaker.core.config.config.validate_sagemaker_config is function
    assert sagemaker.core.helper.session_helper.validate_sagemaker_config is function
