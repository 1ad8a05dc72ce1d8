"""Maps SageMaker container image URIs to the local code that stands in for them.

Images are recognised by their ECR repository name, never by account or region, so the mapping
holds for the URIs `sagemaker.core.image_uris` renders in any region.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The folder holding `ml_code/` and `local_runtime/`: the built-in stand-ins' "image" content.
PROJECT_ROOT = Path(__file__).resolve().parents[1]

BUILTIN_ALGORITHMS = {
    "pca": "ml_code.builtin.pca",
    "kmeans": "ml_code.builtin.kmeans",
    "linear-learner": "ml_code.builtin.linear_learner",
    "forecasting-deepar": "ml_code.builtin.deepar",
    # Algorithm mode only: script mode in this image (sagemaker_program) is refused by the stand-in.
    "sagemaker-xgboost": "ml_code.builtin.xgboost",
}
# Images that run the user's own code: the job request names the script.
FRAMEWORK_IMAGES = {"pytorch", "pytorch-training", "pytorch-inference", "sagemaker-scikit-learn"}


@dataclass(frozen=True)
class LocalImage:
    repository: str
    builtin_module: str | None  # set for built-in algorithms: `python -m <module> train`, inference handlers

    @property
    def is_builtin(self) -> bool:
        return self.builtin_module is not None


def repository_of(image_uri: str) -> str:
    """`123.dkr.ecr.us-east-1.amazonaws.com/pca:1` -> `pca`."""
    path = image_uri.split("/", 1)[-1]
    return path.split("@", 1)[0].split(":", 1)[0]


def resolve(image_uri: str) -> LocalImage:
    repo = repository_of(image_uri)
    if repo in BUILTIN_ALGORITHMS:
        return LocalImage(repo, BUILTIN_ALGORITHMS[repo])
    if repo in FRAMEWORK_IMAGES:
        return LocalImage(repo, None)
    known = ", ".join(sorted([*BUILTIN_ALGORITHMS, *FRAMEWORK_IMAGES]))
    raise ValueError(f"image {image_uri!r} has no local equivalent (known repositories: {known})")
