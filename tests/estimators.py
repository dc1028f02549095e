"""The SDK v2 estimators the tests and the benchmarks build, in one place.

Two flavours: on a `LocalSageMakerSession` of the test's own (role `lab.LOCAL_ROLE`, instance
type "local", models under `<folder>/models`), and on a `lab.Lab` record (its session, role,
instance type and output path), as the notebooks build them. No pytest here: the benchmarks
import this module too.
"""

from __future__ import annotations

from pathlib import Path

import lab

ROLE = lab.LOCAL_ROLE
REGION = "us-east-1"
SCRIPT_DIR = Path(__file__).resolve().parent.parent / "code" / "script"


def xgboost_image(version: str = "1.5-1", region: str = REGION) -> str:
    """The built-in XGBoost algorithm's image URI."""
    import sagemaker

    return sagemaker.image_uris.retrieve("xgboost", region, version)


def builtin_estimator(session, folder: Path, image: str = "", rules=None, **hyperparameters):
    """The built-in algorithm's estimator (or another `image`'s) in local mode."""
    from sagemaker.estimator import Estimator

    estimator = Estimator(
        image_uri=image or xgboost_image(),
        role=ROLE,
        instance_count=1,
        instance_type="local",
        output_path=(folder / "models").as_uri(),
        sagemaker_session=session,
        rules=rules,
    )
    estimator.set_hyperparameters(**hyperparameters)
    return estimator


def aws_builtin_estimator(role: str, instance_type: str, rounds: int, **options):
    """The built-in algorithm's estimator (1.7-1) as AWS's examples write one: binary:logistic,
    `rounds` rounds, no output path; `options`: the session, output path or metric
    definitions a test gives."""
    from sagemaker.estimator import Estimator

    hyperparameters = {"objective": "binary:logistic", "num_round": str(rounds)}
    return Estimator(xgboost_image("1.7-1"), role, instance_count=1, instance_type=instance_type,
                     hyperparameters=hyperparameters, **options)  # fmt: skip


def local_xgboost(session, folder: Path, **options):
    """The SDK's script-mode `XGBoost` (1.7-1) in local mode; `options` name the code."""
    from sagemaker.xgboost import XGBoost

    return XGBoost(
        framework_version="1.7-1",
        role=ROLE,
        instance_count=1,
        instance_type="local",
        output_path=(folder / "models").as_uri(),
        sagemaker_session=session,
        **options,
    )


def script_estimator(
    session, folder: Path, source_dir=SCRIPT_DIR, entry_point="xgboost_train.py", **hps
):
    """The lab's training script (or `entry_point` of `source_dir`) in local mode."""
    return local_xgboost(
        session, folder, entry_point=entry_point, source_dir=str(source_dir), hyperparameters=hps
    )


# ------------------------------------------------------------------ on a lab.Lab record


def lab_ranges() -> dict:
    """The lab's hyperparameter ranges (Task 2.2)."""
    from sagemaker.tuner import ContinuousParameter, IntegerParameter

    return {
        "max_depth": IntegerParameter(6, 9),
        "eta": ContinuousParameter(0.01, 0.03),
        "gamma": ContinuousParameter(0.5, 0.9),
        "min_child_weight": ContinuousParameter(0.5, 0.9),
        "subsample": ContinuousParameter(0.2, 0.5),
    }


def lab_builtin_estimator(setup: lab.Lab, version: str = "1.5-1", **options):
    """The built-in algorithm's estimator as a notebook builds it from its set-up."""
    from sagemaker.estimator import Estimator

    return Estimator(
        image_uri=xgboost_image(version, setup.region),
        role=setup.role,
        instance_count=1,
        instance_type=setup.instance_type,
        output_path=setup.output_path,
        sagemaker_session=setup.session,
        **options,
    )


def lab_script_estimator(setup: lab.Lab, **options):
    """The lab's training script in script mode as a notebook builds it from its set-up."""
    from sagemaker.xgboost import XGBoost

    return XGBoost(
        entry_point="xgboost_train.py",
        source_dir=setup.source_dir,
        framework_version="1.7-1",
        role=setup.role,
        instance_count=1,
        instance_type=setup.instance_type,
        output_path=setup.output_path,
        sagemaker_session=setup.session,
        **options,
    )


def small_builtin_estimator(setup: lab.Lab):
    """A built-in XGBoost model trained through the SDK v2 in local mode on the lab's data
    (20 shallow rounds: quick), for the tests that serve or examine one."""
    from sagemaker.inputs import TrainingInput

    estimator = lab_builtin_estimator(setup)
    estimator.set_hyperparameters(objective="binary:logistic", num_round=20, max_depth=3)
    estimator.fit({"train": TrainingInput(setup.train_uri, content_type="text/csv")}, logs="None")
    return estimator
