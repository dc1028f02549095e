"""localsm/patches.py: every change local mode makes to code it does not own (the SDKs,
botocore and boto3, the environment, other libraries' loggers) is made inside one reversible
context, entered by `localsm.activate()`, a `LocalSageMakerSession` and `lab.use_mode()` /
`lab.setup()`, and undone when they end; importing `localsm` or `lab` changes nothing.

Each check runs in a fresh interpreter: this process holds SDK sessions other tests left
open, and conftest.py's settings. "The same" means the same objects (`==` on functions,
filters and sessions is identity), the same environment and the same handler list.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOGGERS = ("sagemaker", "sagemaker.config", "sagemaker.estimator", "werkzeug", "smclarify",
           "botocore.credentials", "sagemaker.core.utils.utils",
           "sagemaker.core.image_uris")  # fmt: skip
MISSING = "<missing>"


def sdk_targets() -> list[tuple[object, str]]:
    """(owner, attribute) of every SDK object the context may replace (patches.py's list)."""
    from localsm.sdk_compat import V2_WAITS

    targets: list[tuple[object, str]] = []
    if installed("sagemaker.estimator"):  # SDK v2
        import sagemaker.estimator
        import sagemaker.local.local_session
        import sagemaker.session
        import sagemaker.telemetry.telemetry_logging as telemetry
        import sagemaker.utils

        for module in (sagemaker.utils, sagemaker.session, sagemaker.local.local_session):
            targets.append((module, "validate_sagemaker_config"))
        targets.append((sagemaker.estimator.EstimatorBase, "_prepare_for_training"))
        targets.append((telemetry, "_send_telemetry_request"))
        targets.append((sagemaker.local.LocalSession, "_initialize"))
        for cls in (sagemaker.session.Session, sagemaker.local.LocalSession):
            targets += [(cls, name) for name in V2_WAITS]
    if installed("sagemaker.core"):  # SDK v3 (sagemaker-core)
        import sagemaker.core.resources
        import sagemaker.core.telemetry.telemetry_logging as core_telemetry
        from sagemaker.core.utils.logs import CloudWatchLogsClient

        targets.append((sagemaker.core.resources.ProcessingJob, "wait"))
        targets.append((core_telemetry, "_send_telemetry_request"))
        targets.append((CloudWatchLogsClient, "client"))
    return targets


def installed(module: str) -> bool:
    """Whether `module` can be imported (SDK v3 raises when asked about v2's modules)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def snapshot(targets: list[tuple[object, str]]) -> dict:
    """What the context may change, as it is now."""
    import logging
    import warnings

    import boto3
    import botocore.handlers

    from localsm import moto_server, patches, sdk_compat

    state = {
        "env": dict(os.environ),
        "handlers": list(botocore.handlers.BUILTIN_HANDLERS),
        "default_session": boto3.DEFAULT_SESSION,
        "warnings": list(warnings.filters),
        "all_s3_local": list(moto_server.ALL_S3_LOCAL),
        "core_is_local": list(sdk_compat._CORE_IS_LOCAL),
        "layers": {layer: patches.depth(layer) for layer in ("quiet", "sdk", "local")},
    }
    loggers = set(LOGGERS) | set(logging.root.manager.loggerDict)
    for name in sorted(loggers):
        logger = logging.getLogger(name)
        state[f"logger {name}"] = (logger.level, list(logger.filters), list(logger.handlers))
    state["root"] = (logging.root.level, list(logging.root.handlers))
    if installed("sagemaker.core"):  # sagemaker-core's process-wide clients (singletons)
        from sagemaker.core.utils.utils import SingletonMeta

        state["core singletons"] = dict(SingletonMeta._instances)
    for owner, name in targets:
        owner_name = (
            owner.__name__
            if isinstance(owner, type(os))
            else (f"{owner.__module__}.{owner.__qualname__}")
        )
        state[f"{owner_name}.{name}"] = vars(owner).get(name, MISSING)
    return state


def differences(before: dict, after: dict) -> list[str]:
    """The entries that changed (loggers made meanwhile, never configured, do not count)."""
    changed = []
    for key in sorted(set(before) | set(after)):
        if key.startswith("logger ") and key not in before:
            if after[key] != (0, [], []):
                changed.append(key)
        elif before.get(key, MISSING) != after.get(key, MISSING):
            changed.append(key)
    return changed


def run_check(body: str, tmp_path: Path) -> None:
    """Run `body` in a fresh interpreter after PRELUDE (this module imported as `t`); it
    must exit 0."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.pop("SAGEMAKER_SUPPRESS_V2_WARNING", None)
    env.update(
        PYTHONPATH=os.pathsep.join(str(REPO / p) for p in ("code", "code/script", "tests")),
        LOCALSM_WARM="0",  # no jobs' launcher process
        LAB_LANGUAGE="en",  # lab.use_mode() shares the language with the jobs it starts
        LOCALSM_LANGUAGE="en",
        TMP_PATH=str(tmp_path),
    )
    code = "import test_patch_context as t\n" + PRELUDE + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


# The SDK's and other libraries' own import-time changes (moto appends its inactive stubber
# to BUILTIN_HANDLERS; optuna and flask_cors, which moto's server imports, configure their own
# loggers) come first: they are not ours.
PRELUDE = """
import os, pathlib
import boto3, botocore.handlers, moto.core.models, moto.moto_server.werkzeug_app, optuna
import sagemaker
targets = t.sdk_targets()
tmp = pathlib.Path(os.environ["TMP_PATH"])
"""


def test_importing_localsm_and_lab_changes_nothing(tmp_path):
    run_check(
        """
        before = t.snapshot(targets)
        import lab, localsm, localsm.activation, localsm.patches, localsm.session_v3
        import localsm.moto_server, localsm.tuning, localsm.quiet, localsm.sdk_compat
        import lab.modes, lab.sdklogs, lab.notebook, lab.explain, lab.hosting
        localsm.activate
        if t.installed("sagemaker.estimator"):  # SDK v2's local session
            import localsm.session
            localsm.LocalSageMakerSession
        assert t.differences(before, t.snapshot(targets)) == [], t.differences(
            before, t.snapshot(targets))
        """,
        tmp_path,
    )


def test_activate_and_deactivate_put_everything_back(tmp_path):
    """Nested activations, a local session and S3 calls (the local S3 server starts) inside:
    after the outermost ends, every object, variable, handler and logger is as before."""
    run_check(
        """
        import localsm
        from localsm.activation import HANDLERS
        before = t.snapshot(targets)
        outer = localsm.activate(jobs_dir=tmp / "jobs")
        patched = t.differences(before, t.snapshot(targets))
        for key in ("handlers", "env", "logger sagemaker.config", "logger optuna",
                    "sagemaker.session.Session.wait_for_job",
                    "sagemaker.local.local_session.LocalSession._initialize",
                    "sagemaker.utils.validate_sagemaker_config",
                    "sagemaker.core.resources.ProcessingJob.wait"):
            assert key in patched or key not in before, (key, patched)  # (the SDK installed)
        assert os.environ["AWS_ACCESS_KEY_ID"] == "local-mode"
        assert all(spec in botocore.handlers.BUILTIN_HANDLERS for spec in HANDLERS)
        with localsm.activate(jobs_dir=tmp / "jobs"):
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="bucket-one")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["bucket-one"]
            if t.installed("sagemaker.estimator"):  # SDK v2's local session
                with localsm.LocalSageMakerSession(jobs_dir=tmp / "jobs"):
                    pass
        still = t.differences(before, t.snapshot(targets))
        assert set(still) >= set(patched), (still, patched)  # still on
        outer.deactivate()
        outer.deactivate()  # once only
        assert t.differences(before, t.snapshot(targets)) == [], t.differences(
            before, t.snapshot(targets))
        """,
        tmp_path,
    )


def test_lab_local_mode_then_a_fresh_state_puts_everything_back(tmp_path):
    """`lab.use_mode("local")`, then `lab.setup("local")` (an SDK v2 local session and an
    activation): when the kernel's mode is chosen again (`_end_local_mode`, what both do
    first), nothing of local mode is left."""
    run_check(
        """
        import lab, lab.kernel, lab.modes
        lab.kernel.ensure_mode_packages = lambda *_, **__: None  # never pip here
        before = t.snapshot(targets)
        assert lab.use_mode("local") == "local"
        patched = t.differences(before, t.snapshot(targets))
        key = "sagemaker.session.Session.wait_for_job"  # SDK v2
        assert key in patched or key not in before, patched
        assert "logger botocore.credentials" in patched, patched  # lab's notice filter
        lab.modes._end_local_mode()
        assert t.differences(before, t.snapshot(targets)) == [], t.differences(
            before, t.snapshot(targets))
        lab.setup("local", output_dir=str(tmp / "outputs"))
        assert t.differences(before, t.snapshot(targets)), "setup patched nothing"
        lab.modes._end_local_mode()
        assert t.differences(before, t.snapshot(targets)) == [], t.differences(
            before, t.snapshot(targets))
        """,
        tmp_path,
    )
