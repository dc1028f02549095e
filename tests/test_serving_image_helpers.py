"""A script-mode model server gets what SageMaker's XGBoost image gives the scripts it serves.

The image ships `sagemaker_xgboost_container` (and `sagemaker_containers`) to the inference
script it imports, and AWS's script-mode inference example imports its `encoder`
(aws/amazon-sagemaker-examples, xgboost_abalone/inference.py). Locally the model server puts
the same stand-ins on the script's path as a local training job does (localsm/script_image).
"""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest
import xgboost as xgb
from sagemaker.deserializers import JSONDeserializer
from sagemaker.serializers import CSVSerializer
from sagemaker.xgboost import XGBoostModel

import lab

INFERENCE = """
import os
import xgboost as xgb
from sagemaker_xgboost_container import encoder


def model_fn(model_dir):
    booster = xgb.Booster()
    booster.load_model(os.path.join(model_dir, "model.json"))
    return booster


def input_fn(body, content_type):
    return encoder.decode(body, content_type)
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    setup = lab.setup("local", output_dir=str(tmp_path_factory.mktemp("image-helpers")))
    yield setup
    setup.session.sagemaker_client.delete_all_endpoints()


def test_an_inference_script_may_import_the_images_helpers(setup, tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 4))
    labels = (features[:, 0] > 0).astype(float)
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(features, labels), 5)
    archive = tmp_path / "model.tar.gz"
    raw = bytes(booster.save_raw("json"))
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("model.json")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    source = tmp_path / "inference-src"
    source.mkdir()
    (source / "inference.py").write_text(INFERENCE)
    model = XGBoostModel(
        model_data=archive.as_uri(),
        entry_point="inference.py",
        source_dir=str(source),
        framework_version="1.7-1",
        role=setup.role,
        sagemaker_session=setup.session,
    )
    predictor = model.deploy(initial_instance_count=1, instance_type="local")
    try:
        predictor.serializer, predictor.deserializer = CSVSerializer(), JSONDeserializer()
        answer = predictor.predict(features[:20])
    finally:
        predictor.delete_model()
        predictor.delete_endpoint()
    expected = booster.inplace_predict(features[:20])
    assert np.max(np.abs(np.array(answer, dtype=float).ravel() - expected)) <= 1e-6
