"""Container image URIs: the one table. Resolved per region with the SageMaker SDK, never written as
literal registry accounts (they differ per region and per algorithm)."""

from __future__ import annotations

from functools import cache

from sagemaker.core import image_uris

from stacks.case_parts import BUILTIN_ALGORITHMS, Algorithm, ImageSpec

# Processing jobs run ml_code (pandas, scikit-learn, matplotlib) with what the image ships: nothing
# is pip-installed at job start. The PyTorch 2.13 training image on Amazon Linux 2023 pins all of it
# (Python 3.12, pandas 2.3.3, scikit-learn 1.8.0, matplotlib 3.10.8); the scikit-learn processing
# images have no matplotlib, and 1.2-1 has Python 3.9 and pandas 1.1.3. The versions, with their
# sources, are in local_runtime/contracts/data/images.json, which local mode checks ml_code against.
PROCESSING = ImageSpec("pytorch-amzn2023", "2.13")
_FRAMEWORK_INSTANCE = "ml.m5.xlarge"  # CPU images: any CPU instance type resolves the same URI


def processing_image(region: str) -> str:
    return _image(PROCESSING.framework, PROCESSING.version, PROCESSING.py_version, region, "training")


def training_image(algorithm: Algorithm, region: str) -> str:
    return _image(algorithm.framework, algorithm.version, algorithm.py_version, region, "training")


def inference_image(algorithm: Algorithm, region: str) -> str:
    """Built-in algorithms serve from their training image; frameworks from their serving image."""
    serving = algorithm.serving or ImageSpec(algorithm.framework, algorithm.version, algorithm.py_version)
    return _image(serving.framework, serving.version, serving.py_version, region, "inference")


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
