"""Routes a moto-executed state machine's SageMaker and `aws-sdk` S3 tasks to the local services.

moto 5.2.5 interprets ASL (its parser is ported from LocalStack) but forwards SageMaker tasks to
its own SageMaker mock, which runs nothing. The smallest hook is the interpreter's task factory
(`state_task_factory.state_task_service_for`): while `routed_to()` is active it returns the task
classes of `moto_tasks` for `sagemaker` and `aws-sdk` resources; every other service keeps moto's
behaviour (`sns:publish` goes to moto's SNS). Two moto deviations from AWS that the pipelines
hit are corrected while active (`_unpacks_to_one_value`, `_fail_error_name`). The hooks touch moto
internals, hence the version pin.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import Any

from local_runtime.moto_pin import check_moto_version

check_moto_version()  # before importing moto's internals, whose layout changes between versions

from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName  # noqa: E402
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (  # noqa: E402
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory  # noqa: E402
from moto.stepfunctions.parser.asl.component.state.fail import state_fail  # noqa: E402
from moto.stepfunctions.parser.asl.utils import json_path  # noqa: E402

from local_runtime import moto_tasks  # noqa: E402
from local_runtime.sfn_services import LocalServices  # noqa: E402

__all__ = ["check_moto_version", "routed_to"]
_lock = threading.Lock()
_moto_factory = state_task_factory.state_task_service_for
_moto_singleton_check = json_path._is_singleton_array_access
_moto_custom_error_name = state_fail.CustomErrorName
# Any wildcard, filter, slice, union or recursive descent: the path may select several nodes.
_INDEFINITE = re.compile(r"\*|\?\(|\.\.|\[[^\]]*[:,][^\]]*\]")


def _unpacks_to_one_value(path: str) -> bool:
    """moto 5.2.5 returns `[0.9]` for `$.list[0].Value` (its fix for moto#7825 wraps every match under
    an index); on AWS a definite path such as this yields the value itself, which Choice rules on
    `FinalMetricDataList[0].Value` depend on. Paths that may select several nodes keep moto's list."""
    return _moto_singleton_check(path) or not _INDEFINITE.search(path)


def _fail_error_name(error_name: str | None) -> ErrorName:
    """A Fail state may re-raise a caught `States.*` error (Catch, then Fail with `ErrorPath`), as
    AWS allows; moto 5.2.5 rejects every `States.` name there as an illegal custom error name."""
    if error_name and error_name.startswith("States."):
        try:
            return StatesErrorName.from_name(error_name)
        except ValueError:
            return ErrorName(error_name)
    return _moto_custom_error_name(error_name)  # type: ignore[no-any-return]


def _local_factory(service_name: str) -> Any:
    if service_name == "sagemaker":
        return moto_tasks.LocalSageMakerTask()
    if service_name == "aws-sdk":
        return moto_tasks.LocalAwsSdkTask()
    if service_name == "sns":
        return moto_tasks.LocalSnsTask()
    return _moto_factory(service_name=service_name)


@contextlib.contextmanager
def routed_to(services: LocalServices) -> Iterator[None]:
    """Serve SageMaker and aws-sdk S3 tasks from `services` while the block runs (one at a time)."""
    if not _lock.acquire(blocking=False):
        raise RuntimeError("another local state machine run is already using the moto adapter")
    try:
        moto_tasks.active = services
        state_task_factory.state_task_service_for = _local_factory
        json_path._is_singleton_array_access = _unpacks_to_one_value
        state_fail.CustomErrorName = _fail_error_name  # type: ignore[misc,assignment]
        yield
    finally:
        state_task_factory.state_task_service_for = _moto_factory
        json_path._is_singleton_array_access = _moto_singleton_check
        state_fail.CustomErrorName = _moto_custom_error_name  # type: ignore[misc]
        moto_tasks.active = None
        _lock.release()
