"""Where things are, and the lab's fixed settings."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
CODE_DIR = REPO / "code"
# The script-mode source folder: only what a training container needs (the entry point), so a
# job on AWS uploads one script, not this helper or the local service.
SCRIPT_DIR = CODE_DIR / "script"
DATASET_DIR = REPO / "dataset"
OUTPUTS_DIR = REPO / "outputs"
DOWNLOADS_DIR = OUTPUTS_DIR / "downloads"  # artifacts fetched for evaluation
SPLITS = ("train", "validation", "test")
LOCAL_ROLE = "arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole"
SAGEMAKER_METADATA = Path("/opt/ml/metadata/resource-metadata.json")
SAGEMAKER_INSTANCE_TYPE = "ml.m5.xlarge"
ENDPOINT_INSTANCE_TYPE = "ml.m5.large"
S3_PREFIX = "xgboost-lab"
LAB_BUCKET_MARKER = "labdatabucket"


# The lab's fixed hyperparameters for the built-in algorithm (Task 1.3): used by the benchmark,
# the README images and the tests (the notebook shows them in its parameters cell).
LAB_HYPERPARAMETERS = {
    "max_depth": 5,
    "eta": 0.2,
    "gamma": 4,
    "min_child_weight": 6,
    "subsample": 0.7,
    "verbosity": 0,
    "objective": "binary:logistic",
    "num_round": 800,
}
