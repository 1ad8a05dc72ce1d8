"""A local stand-in for the SageMaker API: jobs run ml_code in subprocesses under the container contract."""

from local_runtime.sagemaker.service import LocalSageMaker

__all__ = ["LocalSageMaker"]
