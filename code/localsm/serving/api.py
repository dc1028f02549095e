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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from localsm import metrics, s3io
from localsm.background import now
from localsm.exceptions import ValidationException
from localsm.resources import Registry, arn_formatter, filter_and_sort, paginate
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
        self._hosting_lock = threading.Lock()
        self._models = Registry(self._hosting_lock)  # of dict records
        self._endpoint_configs = Registry(self._hosting_lock)  # of their create requests
        self._endpoints = Registry(self._hosting_lock)  # of Endpoint
        self._transform_jobs = Registry(self._hosting_lock)  # of TransformJob

    def _arn(self, kind: str, name: str) -> str:
        return arn_formatter(kind, name, self.region)

    def _not_found(self, operation: str, kind: str, label: str) -> Callable[[str], Exception]:
        return lambda name: ValidationException(
            operation, f'Could not find {label} "{self._arn(kind, name)}".'
        )

    def _exists(self, operation: str, kind: str, label: str) -> Callable[[str], Exception]:
        return lambda name: ValidationException(
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
        record = {
            "ModelName": name,
            "PrimaryContainer": copy.deepcopy(container),
            "ExecutionRoleArn": request.get("ExecutionRoleArn", ""),
            "CreationTime": now(),
            "ModelArn": self._arn("model", name),
            "EnableNetworkIsolation": request.get("EnableNetworkIsolation", False),
            "_Tags": unique_tags(request.get("Tags")),
        }
        self._models.add(name, lambda: record, self._exists(operation, "model", "model"))
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
        return self._models.find(name, self._not_found(operation, "model", "model"))

    def describe_model(self, ModelName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeModel", {"ModelName": ModelName})
        model = self._model("DescribeModel", ModelName)
        return {k: copy.deepcopy(v) for k, v in model.items() if not k.startswith("_")}

    def delete_model(self, ModelName: str) -> dict:  # noqa: N803
        validate("DeleteModel", {"ModelName": ModelName})
        self._models.remove(ModelName, self._not_found("DeleteModel", "model", "model"))
        return {}

    @paginate("list_models")
    def list_models(self, **params: Any) -> list[dict]:
        validate("ListModels", params)
        keys = ("ModelName", "ModelArn", "CreationTime")
        models = [{k: m[k] for k in keys} for m in self._models.listed()]
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
        record = {
            **copy.deepcopy(request),
            "EndpointConfigArn": self._arn("endpoint-config", name),
            "CreationTime": now(),
        }
        taken = self._exists(operation, "endpoint-config", "endpoint configuration")
        self._endpoint_configs.add(name, lambda: record, taken)
        return {"EndpointConfigArn": self._arn("endpoint-config", name)}

    def _endpoint_config(self, operation: str, name: str) -> dict:
        missing = self._not_found(operation, "endpoint-config", "endpoint configuration")
        return self._endpoint_configs.find(name, missing)

    def describe_endpoint_config(self, EndpointConfigName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeEndpointConfig", {"EndpointConfigName": EndpointConfigName})
        config = self._endpoint_config("DescribeEndpointConfig", EndpointConfigName)
        return {k: copy.deepcopy(v) for k, v in config.items() if k != "Tags"}

    def delete_endpoint_config(self, EndpointConfigName: str) -> dict:  # noqa: N803
        operation = "DeleteEndpointConfig"
        validate(operation, {"EndpointConfigName": EndpointConfigName})
        missing = self._not_found(operation, "endpoint-config", "endpoint configuration")
        self._endpoint_configs.remove(EndpointConfigName, missing)
        return {}

    @paginate("list_endpoint_configs")
    def list_endpoint_configs(self, **params: Any) -> list[dict]:
        validate("ListEndpointConfigs", params)
        keys = ("EndpointConfigName", "EndpointConfigArn", "CreationTime")
        configs = [{k: c[k] for k in keys} for c in self._endpoint_configs.listed()]
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

        def start() -> Endpoint:
            endpoint = Endpoint(
                name,
                copy.deepcopy(config),
                models,
                self.jobs_dir / ENDPOINTS_FOLDER / name,
                self.region,
                self.owner,
                self.sagemaker_session.boto_session,
            )
            endpoint.tags = unique_tags(request.get("Tags"))
            return endpoint

        endpoint = self._endpoints.add(name, start, self._exists(operation, "endpoint", "endpoint"))
        return {"EndpointArn": endpoint.arn}

    def endpoint(self, name: str, operation: str = "DescribeEndpoint") -> Endpoint:
        return self._endpoints.find(name, self._not_found(operation, "endpoint", "endpoint"))

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
        self._endpoints.remove(EndpointName)
        return {}

    @paginate("list_endpoints")
    def list_endpoints(self, **params: Any) -> list[dict]:
        validate("ListEndpoints", params)
        endpoints = [e.summary() for e in self._endpoints.listed()]
        return filter_and_sort(endpoints, params, "Endpoint")

    def delete_all_endpoints(self) -> None:
        """End every endpoint's servers (the session closes; the watchdog covers a crash)."""
        with self._hosting_lock:
            endpoints = list(self._endpoints.values())
            self._endpoints.clear()
        for endpoint in endpoints:
            endpoint.delete()

    # ------------------------------------------------------------------ transform jobs

    def create_transform_job(self, **request: Any) -> dict[str, str]:
        operation = "CreateTransformJob"
        validate(operation, as_validatable(request))
        name = request["TransformJobName"]
        model = self._model(operation, request["ModelName"])
        from localsm.serving.transform import TransformJob

        def taken(name: str) -> Exception:
            return ValidationException(
                operation,
                f"Job name must be unique within an AWS account and region, and a job with "
                f"this name already exists ({self._arn('transform-job', name)})",
            )

        job = self._transform_jobs.add(name, lambda: TransformJob(
            copy.deepcopy(request),
            copy.deepcopy(model),
            self.jobs_dir / TRANSFORM_FOLDER / name,
            self.region,
            self.owner,
            self.sagemaker_session.boto_session,
        ), taken)  # fmt: skip
        job.start()
        return {"TransformJobArn": job.arn}

    def transform_job(self, name: str, operation: str = "DescribeTransformJob") -> TransformJob:
        return self._transform_jobs.find(name, lambda name: ValidationException(
            operation, f"Could not find requested job with name {name}"
        ))  # fmt: skip

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
        jobs = [j.summary() for j in self._transform_jobs.listed()]
        return filter_and_sort(jobs, params, "TransformJob")
