"""Container image URIs: the one table. Resolved per region with the SageMaker SDK, never written as
literal registry accounts (they differ per region and per algorithm)."""

from __future__ import annotations

from functools import cache

from sagemaker.core import image_uris

from stacks.case_parts import BUILTIN_ALGORITHMS, Algorithm

SKLEARN_PROCESSING_VERSION = "1.2-1"
_FRAMEWORK_INSTANCE = "ml.m5.xlarge"  # CPU images: any CPU instance type resolves the same URI


@cache
def processing_image(region: str) -> str:
    return str(image_uris.retrieve("sklearn", region, version=SKLEARN_PROCESSING_VERSION))


def training_image(algorithm: Algorithm, region: str) -> str:
    return _image(algorithm.framework, algorithm.version, algorithm.py_version, region, "training")


def inference_image(algorithm: Algorithm, region: str) -> str:
    """Built-in algorithms serve from their training image; frameworks have a separate one."""
    return _image(algorithm.framework, algorithm.version, algorithm.py_version, region, "inference")


@cache
def _image(framework: str, version: str, py_version: str | None, region: str, scope: str) -> str:
    if framework in BUILTIN_ALGORITHMS:
        return str(image_uris.retrieve(framework, region, version=version))
    return str(
        image_uris.retrieve(
            framework,
            region,
            version=version,
            py_version=py_version,
            instance_type=_FRAMEWORK_INSTANCE,
            image_scope=scope,
        )
    )
