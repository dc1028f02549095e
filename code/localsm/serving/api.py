"""The hosting API operations of the local service: models, endpoint configurations,
endpoints and batch transform jobs (mixed into `LocalSageMakerClient`).

Requests are checked with botocore's SageMaker model like every other operation; unknown or
duplicate names get SageMaker's own error messages. Models and configurations are records in
this session; endpoints and transform jobs run model server processes (see `endpoint.py`,
`transform.py`) that end with `delete_endpoint`, with the job, or with the kernel.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from localsm import metrics, s3io
from localsm.background import now
from localsm.exceptions import ValidationException
from localsm.resources import arn_formatter, filter_and_sort, paginate
from localsm.serving import model_data
from localsm.serving.endpoint import Endpoint
from localsm.tags import unique as unique_tags
from localsm.training.channels import uri_to_path
from localsm.validation import as_validatable, validate

if TYPE_CHECKING:
    from localsm.serving.transform import TransformJob

ENDPOINTS_FOLDER = "endpoints"
TRANSFORM_FOLDER = "transform-jobs"


class HostingOperations:
    """CreateModel ... DeleteEndpoint, CreateTransformJob ... StopTransformJob."""

    region: str
    jobs_dir: Path
    owner: str
    sagemaker_session: Any

    def _init_hosting(self) -> None:
        self._models: dict[str, dict] = {}
        self._endpoint_configs: dict[str, dict] = {}
        self._endpoints: dict[str, Endpoint] = {}
        self._transform_jobs: dict[str, TransformJob] = {}
        self._hosting_lock = threading.Lock()

    def _arn(self, kind: str, name: str) -> str:
        return arn_formatter(kind, name, self.region)

    def _not_found(self, operation: str, kind: str, label: str, name: str) -> ValidationException:
        return ValidationException(operation, f'Could not find {label} "{self._arn(kind, name)}".')

    def _exists(self, operation: str, kind: str, label: str, name: str) -> ValidationException:
        return ValidationException(
            operation, f'Cannot create already existing {label} "{self._arn(kind, name)}".'
        )

    # ------------------------------------------------------------------ models

    def create_model(self, **request: Any) -> dict[str, str]:
        operation = "CreateModel"
        validate(operation, as_validatable(request))
        name = request["ModelName"]
        container = request.get("PrimaryContainer") or (request.get("Containers") or [None])[0]
        if container is None or len(request.get("Containers") or []) > 1:
            raise ValidationException(
                operation,
                "local mode serves one container per model (PrimaryContainer): inference "
                "pipelines are not available locally; host this model on SageMaker",
            )
        self._check_container(operation, container)
        with self._hosting_lock:
            if name in self._models:
                raise self._exists(operation, "model", "model", name)
            self._models[name] = {
                "ModelName": name,
                "PrimaryContainer": copy.deepcopy(container),
                "ExecutionRoleArn": request.get("ExecutionRoleArn", ""),
                "CreationTime": now(),
                "ModelArn": self._arn("model", name),
                "EnableNetworkIsolation": request.get("EnableNetworkIsolation", False),
                "_Tags": unique_tags(request.get("Tags")),
            }
        return {"ModelArn": self._arn("model", name)}

    def _check_container(self, operation: str, container: dict) -> None:
        """The XGBoost images only, one model each, and model data that exists (CreateModel
        checks it too)."""
        image = container.get("Image", "")
        if container.get("Mode") == "MultiModel":
            raise ValidationException(
                operation,
                "multi-model endpoints (Mode 'MultiModel') are not available locally; host this "
                "model on SageMaker",
            )
        if not metrics.is_xgboost_image(image):
            raise ValidationException(
                operation,
                (
                    f"Local mode serves the SageMaker XGBoost images only, not {image!r}: this "
                    "model's image is not available locally; host it on SageMaker."
                ),
            ) from None
        url = container.get("ModelDataUrl")
        try:
            location = model_data.as_s3_uri(url) if url else ""
        except model_data.NotAnS3Url as error:
            raise ValidationException(operation, str(error)) from None
        if url and not self._artifact_exists(location):
            raise ValidationException(
                operation,
                (
                    f"Could not find model data at {url}. Pass the model.tar.gz of a completed "
                    "training job (estimator.model_data)."
                ),
            ) from None

    def _artifact_exists(self, url: str) -> bool:
        if url.startswith("s3://"):
            parsed = urlparse(url)
            s3 = s3io.s3_client(self.sagemaker_session.boto_session)
            try:
                s3.head_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))
            except Exception:  # noqa: BLE001 - missing, or not readable: both "not found"
                return False
            return True
        return uri_to_path(url).is_file()

    def _model(self, operation: str, name: str) -> dict:
        with self._hosting_lock:
            model = self._models.get(name)
        if model is None:
            raise self._not_found(operation, "model", "model", name)
        return model

    def describe_model(self, ModelName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeModel", {"ModelName": ModelName})
        model = self._model("DescribeModel", ModelName)
        return {k: copy.deepcopy(v) for k, v in model.items() if not k.startswith("_")}

    def delete_model(self, ModelName: str) -> dict:  # noqa: N803
        validate("DeleteModel", {"ModelName": ModelName})
        self._model("DeleteModel", ModelName)
        with self._hosting_lock:
            self._models.pop(ModelName, None)
        return {}

    @paginate("list_models")
    def list_models(self, **params: Any) -> list[dict]:
        validate("ListModels", params)
        with self._hosting_lock:
            models = [
                {k: m[k] for k in ("ModelName", "ModelArn", "CreationTime")}
                for m in self._models.values()
            ]
        return filter_and_sort(models, params, "Model")

    # ------------------------------------------------------------------ endpoint configs

    def create_endpoint_config(self, **request: Any) -> dict[str, str]:
        operation = "CreateEndpointConfig"
        validate(operation, as_validatable(request))
        name = request["EndpointConfigName"]
        for variant in request["ProductionVariants"]:
            if "ServerlessConfig" in variant:
                raise ValidationException(
                    operation,
                    "serverless inference is not available locally; create this endpoint "
                    "configuration on SageMaker, or give the variant an InstanceType",
                )
            self._model(operation, variant["ModelName"])
        if "AsyncInferenceConfig" in request:
            raise ValidationException(
                operation,
                "asynchronous inference (AsyncInferenceConfig) is not available locally; create "
                "this endpoint configuration on SageMaker",
            )
        with self._hosting_lock:
            if name in self._endpoint_configs:
                raise self._exists(operation, "endpoint-config", "endpoint configuration", name)
            self._endpoint_configs[name] = {
                **copy.deepcopy(request),
                "EndpointConfigArn": self._arn("endpoint-config", name),
                "CreationTime": now(),
            }
        return {"EndpointConfigArn": self._arn("endpoint-config", name)}

    def _endpoint_config(self, operation: str, name: str) -> dict:
        with self._hosting_lock:
            config = self._endpoint_configs.get(name)
        if config is None:
            raise self._not_found(operation, "endpoint-config", "endpoint configuration", name)
        return config

    def describe_endpoint_config(self, EndpointConfigName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeEndpointConfig", {"EndpointConfigName": EndpointConfigName})
        config = self._endpoint_config("DescribeEndpointConfig", EndpointConfigName)
        return {k: copy.deepcopy(v) for k, v in config.items() if k != "Tags"}

    def delete_endpoint_config(self, EndpointConfigName: str) -> dict:  # noqa: N803
        validate("DeleteEndpointConfig", {"EndpointConfigName": EndpointConfigName})
        self._endpoint_config("DeleteEndpointConfig", EndpointConfigName)
        with self._hosting_lock:
            self._endpoint_configs.pop(EndpointConfigName, None)
        return {}

    @paginate("list_endpoint_configs")
    def list_endpoint_configs(self, **params: Any) -> list[dict]:
        validate("ListEndpointConfigs", params)
        with self._hosting_lock:
            configs = [
                {k: c[k] for k in ("EndpointConfigName", "EndpointConfigArn", "CreationTime")}
                for c in self._endpoint_configs.values()
            ]
        return filter_and_sort(configs, params, "EndpointConfig")

    # ------------------------------------------------------------------ endpoints

    def _config_and_models(self, operation: str, config_name: str) -> tuple[dict, dict]:
        config = self._endpoint_config(operation, config_name)
        models = {
            v["ModelName"]: self._model(operation, v["ModelName"])
            for v in config["ProductionVariants"]
        }
        return config, models

    def create_endpoint(self, **request: Any) -> dict[str, str]:
        operation = "CreateEndpoint"
        validate(operation, request)
        name = request["EndpointName"]
        config, models = self._config_and_models(operation, request["EndpointConfigName"])
        with self._hosting_lock:
            if name in self._endpoints:
                raise self._exists(operation, "endpoint", "endpoint", name)
            folder = self.jobs_dir / ENDPOINTS_FOLDER / name
            endpoint = Endpoint(
                name,
                copy.deepcopy(config),
                models,
                folder,
                self.region,
                self.owner,
                self.sagemaker_session.boto_session,
            )
            endpoint.tags = unique_tags(request.get("Tags"))
            self._endpoints[name] = endpoint
        return {"EndpointArn": endpoint.arn}

    def endpoint(self, name: str, operation: str = "DescribeEndpoint") -> Endpoint:
        with self._hosting_lock:
            endpoint = self._endpoints.get(name)
        if endpoint is None:
            raise self._not_found(operation, "endpoint", "endpoint", name)
        return endpoint

    def describe_endpoint(self, EndpointName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeEndpoint", {"EndpointName": EndpointName})
        return self.endpoint(EndpointName).describe()

    def update_endpoint(self, EndpointName: str, EndpointConfigName: str, **params: Any) -> dict:  # noqa: N803
        operation = "UpdateEndpoint"
        validate(
            operation,
            {"EndpointName": EndpointName, "EndpointConfigName": EndpointConfigName, **params},
        )
        endpoint = self.endpoint(EndpointName, operation)
        config, models = self._config_and_models(operation, EndpointConfigName)
        if endpoint.describe()["EndpointStatus"] != "InService":
            raise ValidationException(
                operation, f'Cannot update in-progress endpoint "{endpoint.arn}".'
            )
        endpoint.update(copy.deepcopy(config), models)
        return {"EndpointArn": endpoint.arn}

    def delete_endpoint(self, EndpointName: str) -> dict:  # noqa: N803
        validate("DeleteEndpoint", {"EndpointName": EndpointName})
        endpoint = self.endpoint(EndpointName, "DeleteEndpoint")
        endpoint.delete()
        with self._hosting_lock:
            self._endpoints.pop(EndpointName, None)
        return {}

    @paginate("list_endpoints")
    def list_endpoints(self, **params: Any) -> list[dict]:
        validate("ListEndpoints", params)
        with self._hosting_lock:
            endpoints = list(self._endpoints.values())
        return filter_and_sort([e.summary() for e in endpoints], params, "Endpoint")

    def delete_all_endpoints(self) -> None:
        """End every endpoint's servers (the session closes; the watchdog covers a crash)."""
        with self._hosting_lock:
            endpoints, self._endpoints = list(self._endpoints.values()), {}
        for endpoint in endpoints:
            endpoint.delete()

    # ------------------------------------------------------------------ transform jobs

    def create_transform_job(self, **request: Any) -> dict[str, str]:
        operation = "CreateTransformJob"
        validate(operation, as_validatable(request))
        name = request["TransformJobName"]
        model = self._model(operation, request["ModelName"])
        from localsm.serving.transform import TransformJob

        with self._hosting_lock:
            if name in self._transform_jobs:
                raise ValidationException(
                    operation,
                    (
                        f"Job name must be unique within an AWS account and region, and a job with "
                        f"this name already exists ({self._arn('transform-job', name)})"
                    ),
                )
            job = TransformJob(
                copy.deepcopy(request),
                copy.deepcopy(model),
                self.jobs_dir / TRANSFORM_FOLDER / name,
                self.region,
                self.owner,
                self.sagemaker_session.boto_session,
            )
            self._transform_jobs[name] = job
        job.start()
        return {"TransformJobArn": job.arn}

    def transform_job(self, name: str, operation: str = "DescribeTransformJob") -> TransformJob:
        with self._hosting_lock:
            job = self._transform_jobs.get(name)
        if job is None:
            raise ValidationException(operation, f"Could not find requested job with name {name}")
        return job

    def describe_transform_job(self, TransformJobName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeTransformJob", {"TransformJobName": TransformJobName})
        return self.transform_job(TransformJobName).describe()

    def stop_transform_job(self, TransformJobName: str) -> dict:  # noqa: N803
        validate("StopTransformJob", {"TransformJobName": TransformJobName})
        self.transform_job(TransformJobName, "StopTransformJob").stop()
        return {}

    @paginate("list_transform_jobs")
    def list_transform_jobs(self, **params: Any) -> list[dict]:
        validate("ListTransformJobs", params)
        with self._hosting_lock:
            jobs = list(self._transform_jobs.values())
        return filter_and_sort([j.summary() for j in jobs], params, "TransformJob")
