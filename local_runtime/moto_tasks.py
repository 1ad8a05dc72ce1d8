"""Step Functions task classes that serve SageMaker and `aws-sdk` S3 tasks from the local services.

Subclasses of moto 5.2.5's task states (installed by `moto_adapter.routed_to`). Errors follow
Step Functions: a rejected SageMaker call fails the state with `SageMaker.AmazonSageMakerException`;
a `.sync` job that ends Failed/Stopped fails it with `States.TaskFailed` and the job's Describe*
answer as the cause; `aws-sdk` calls fail with `<Service>.<Code>Exception`
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html,
https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from local_runtime.contracts.calls import UnsupportedField
from local_runtime.errors import S3Error, SageMakerError
from local_runtime.moto_pin import check_moto_version
from local_runtime.sfn_services import LocalServices, snake_case, to_state_json

check_moto_version()  # before importing moto's internals, whose layout changes between versions

from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails  # noqa: E402
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (  # noqa: E402
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (  # noqa: E402
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (  # noqa: E402
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (  # noqa: E402
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: E402
    state_task_service_aws_sdk as aws_sdk,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: E402
    state_task_service_callback as callback,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: E402
    state_task_service_sns as sns,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (  # noqa: E402
    ResourceCondition,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails  # noqa: E402
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str  # noqa: E402

SYNC_JOBS = {
    "createTrainingJob": "TrainingJob",
    "createProcessingJob": "ProcessingJob",
    "createTransformJob": "TransformJob",
    "createHyperParameterTuningJob": "HyperParameterTuningJob",
}
# The optimised SageMaker integration's actions (createLabelingJob has no local equivalent).
OPTIMISED_ACTIONS = {*SYNC_JOBS, "createModel", "createEndpointConfig", "createEndpoint", "updateEndpoint"}
active: LocalServices | None = None  # set by moto_adapter.routed_to for the length of a run


def _services() -> LocalServices:
    if active is None:
        raise RuntimeError("a local SageMaker/S3 task ran outside local_runtime.moto_adapter.routed_to()")
    return active


def _failure(task: Any, env: Any, error: str, cause: str) -> FailureEvent:
    details = TaskFailedEventDetails(
        resource=task._get_sfn_resource(),
        resourceType=task._get_sfn_resource_type(),
        error=error,
        cause=cause,
    )
    task_failed = error == StatesErrorNameType.StatesTaskFailed.to_name()
    return FailureEvent(
        env=env,
        error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed)
        if task_failed
        else CustomErrorName(error),
        event_type=HistoryEventType.TaskFailed,
        event_details=EventDetails(taskFailedEventDetails=details),  # type: ignore[typeddict-item]
    )


def _exception_name(code: str) -> str:
    return code if code.endswith("Exception") else f"{code}Exception"


def _state_name(env: Any) -> str:
    return str(env.states.context_object.context_object_data["State"]["Name"])


def _check(task: Any, env: Any, parameters: dict) -> None:
    """Hold the call to the cloud contracts (integration fields, API model, IAM) before it runs."""
    _services().check(_state_name(env), task.resource.resource_arn, parameters)


def _runtime_failure(task: Any, env: Any, ex: UnsupportedField) -> FailureEvent:
    details = TaskFailedEventDetails(
        resource=task._get_sfn_resource(), resourceType=task._get_sfn_resource_type(),
        error=StatesErrorNameType.StatesRuntime.to_name(), cause=str(ex),
    )  # fmt: skip
    return FailureEvent(
        env=env,
        error_name=StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
        event_type=HistoryEventType.TaskFailed,
        event_details=EventDetails(taskFailedEventDetails=details),  # type: ignore[typeddict-item]
    )


class LocalSageMakerTask(callback.StateTaskServiceCallback):
    """`arn:aws:states:::sagemaker:<action>[.sync]`, served by LocalSageMaker."""

    def __init__(self) -> None:
        # waitForTaskToken must be listed for moto's callback plumbing; validation still rejects it.
        patterns = {ResourceCondition.WaitForTaskToken, ResourceCondition.Sync}
        super().__init__(supported_integration_patterns=patterns)  # type: ignore[arg-type]

    def _validate_service_integration_is_supported(self) -> None:
        action, condition = self.resource.api_action, self.resource.condition
        if action not in OPTIMISED_ACTIONS or (
            condition and (condition != "sync" or action not in SYNC_JOBS)
        ):
            raise ValueError(f"The resource provided {self.resource.resource_arn} not recognized.")

    def _eval_service_task(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
    ) -> None:
        _check(self, env, normalised_parameters)
        response = _services().sagemaker_call(self.resource.api_action, normalised_parameters)
        env.stack.append(to_state_json(response, epoch_millis=True))

    def _build_sync_resolver(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
    ) -> Callable[[], Any]:
        env.stack.pop()  # the Create* answer; the task's output becomes the final Describe* answer
        kind = SYNC_JOBS[self.resource.api_action]
        name = normalised_parameters[f"{kind}Name"]
        describe = getattr(_services().sagemaker, "describe_" + snake_case(kind))

        def resolve() -> dict[str, Any] | None:
            answer = to_state_json(describe({f"{kind}Name": name}), epoch_millis=True)
            status = answer[f"{kind}Status"]
            if status == "Completed":
                return answer  # type: ignore[no-any-return]
            if status in {"Failed", "Stopped"}:
                raise FailureEventException(_failure(self, env, "States.TaskFailed", to_json_str(answer)))
            return None

        return resolve

    def _from_error(self, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, UnsupportedField):
            return _runtime_failure(self, env, ex)
        if isinstance(ex, SageMakerError):
            cause = (
                f"{ex.message} (Service: AmazonSageMaker; Status Code: 400; Error Code: {ex.code}; "
                f"Request ID: {uuid.uuid4()}; Proxy: null)"
            )
            return _failure(self, env, "SageMaker.AmazonSageMakerException", cause)
        return super()._from_error(env=env, ex=ex)  # type: ignore[no-any-return]


class LocalAwsSdkTask(aws_sdk.StateTaskServiceAwsSdk):
    """`arn:aws:states:::aws-sdk:<service>:<action>`: SageMaker and S3 served locally, others by moto."""

    def _eval_service_task(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
    ) -> None:
        api, action = self.resource.api_name, self.resource.api_action
        _check(self, env, normalised_parameters)
        if api == "sagemaker":
            env.stack.append(
                to_state_json(_services().sagemaker_call(action, normalised_parameters), epoch_millis=False)
            )
        elif api == "s3":
            env.stack.append(
                to_state_json(
                    _services().s3_call(action, normalised_parameters, _state_name(env)), epoch_millis=False
                )
            )
        else:
            super()._eval_service_task(env, resource_runtime_part, normalised_parameters, state_credentials)

    def _from_error(self, env: Any, ex: Exception) -> FailureEvent:
        request_id = uuid.uuid4()
        if isinstance(ex, SageMakerError):
            cause = f"{ex.message} (Service: SageMaker, Status Code: 400, Request ID: {request_id})"
            return _failure(self, env, f"SageMaker.{_exception_name(ex.code)}", cause)
        if isinstance(ex, S3Error):
            cause = f"{ex.message} (Service: S3, Status Code: {ex.status}, Request ID: {request_id})"
            return _failure(self, env, f"S3.{_exception_name(ex.code)}", cause)
        return super()._from_error(env=env, ex=ex)  # type: ignore[no-any-return]


class LocalSnsTask(sns.StateTaskServiceSns):
    """`arn:aws:states:::sns:publish`: moto's SNS, after the caller's permissions are checked."""

    def _eval_service_task(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
    ) -> None:
        try:
            _check(self, env, normalised_parameters)
        except SageMakerError as exc:  # the guard's AccessDenied, as SNS answers it
            error = {"Error": {"Code": "AuthorizationError", "Message": exc.message}}
            meta = {"HTTPStatusCode": 403, "RequestId": str(uuid.uuid4())}
            raise ClientError({**error, "ResponseMetadata": meta}, "Publish") from None  # type: ignore[arg-type]
        super()._eval_service_task(env, resource_runtime_part, normalised_parameters, state_credentials)
