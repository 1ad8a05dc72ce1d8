"""Evaluation of the county segmentation: metrics, per-county clusters, cluster profile, bad inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from ml_code.common.errors import InputError
from ml_code.population_segmentation import evaluate

INPUTS = {
    "meta": "preprocess/meta",
    "scaled": "preprocess/train",
    "components": "select/train",
    "assignments": "assignments",
    "variance": "select/meta",
}


def _argv(workdir: Path, out: Path, **replace: Path) -> list[str]:
    argv: list[str] = []
    for name, rel in INPUTS.items():
        argv += ["--input-dir", f"{name}={replace.get(name, workdir / rel)}"]
    for name in ("evaluation", "clusters", "report"):
        argv += ["--output-dir", f"{name}={out / name}"]
    return argv


def test_metrics_and_cluster_sizes_on_the_census(chain: tuple[Path, dict[str, Any]]) -> None:
    workdir, summary = chain
    report = json.loads((workdir / "evaluate" / "evaluation" / "evaluation.json").read_text())
    assert round(report["metrics"]["explained_variance_top_k"], 4) == 0.8017
    sizes = list(report["cluster_sizes"].values())
    assert report["k"] == 8 and len(sizes) == 8 and min(sizes) > 0 and sum(sizes) == 3218
    assert summary["cluster_sizes"] == sizes and summary["explained_variance_top_k"] == pytest.approx(
        0.80167, abs=1e-5
    )
    counties = pd.read_csv(workdir / "evaluate" / "clusters" / "county_clusters.csv")
    components = np.loadtxt(workdir / "select" / "train" / "components.csv", delimiter=",")
    assert list(counties.columns) == ["State-County", "cluster", "distance"] and len(counties) == 3218
    assert counties["State-County"].iloc[0] == "Alabama-Autauga"
    assert np.bincount(counties["cluster"]).tolist() == sizes
    expected = silhouette_score(components, counties["cluster"])
    assert report["metrics"]["silhouette"] == pytest.approx(expected)
    assert report["metrics"]["silhouette"] == pytest.approx(0.2018, abs=1e-3)  # seeded k-means, k=8
    random = report["baselines"]["random_assignment"]["silhouette"]  # 8 clusters drawn at random
    assert abs(random) < 0.05 and report["metrics"]["silhouette"] > random + 0.15


def test_cluster_profile_is_the_mean_scaled_feature_per_cluster(chain: tuple[Path, dict[str, Any]]) -> None:
    workdir, _ = chain
    profile = pd.read_csv(workdir / "evaluate" / "report" / "cluster_profile.csv", index_col="cluster")
    features = json.loads((workdir / "preprocess" / "meta" / "features.json").read_text())["features"]
    scaled = np.loadtxt(workdir / "preprocess" / "train" / "census_scaled.csv", delimiter=",")
    clusters = pd.read_csv(workdir / "evaluate" / "clusters" / "county_clusters.csv")["cluster"].to_numpy()
    assert list(profile.columns) == [*features, "size"] and profile.shape[0] == 8
    for cluster in (0, 5):
        assert profile.loc[cluster, features].to_numpy() == pytest.approx(
            scaled[clusters == cluster].mean(axis=0)
        )
        assert profile.loc[cluster, "size"] == (clusters == cluster).sum()
    makeup = pd.read_csv(workdir / "evaluate" / "report" / "cluster_components.csv", index_col="cluster")
    assert list(makeup.columns) == [f"PC{i}" for i in range(1, 8)]
    for name in ("explained_variance.png", "cluster_profile.png", "cluster_components.png"):
        assert (workdir / "evaluate" / "report" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_row_count_mismatch_is_refused_without_outputs(
    chain: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    workdir, _ = chain
    short = tmp_path / "assignments"
    short.mkdir()
    lines = (workdir / "assignments" / "components.csv.out").read_text().splitlines(keepends=True)
    (short / "components.csv.out").write_text("".join(lines[:-1]))
    with pytest.raises(InputError, match=r"row counts differ .*assignments: 3217"):
        evaluate.main.__wrapped__(_argv(workdir, tmp_path / "out", assignments=short))  # type: ignore[attr-defined]
    assert evaluate.main(_argv(workdir, tmp_path / "out", assignments=short)) == 2
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_bad_cluster_index_names_row_and_field(chain: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    workdir, _ = chain
    bad = tmp_path / "assignments"
    shutil.copytree(workdir / "assignments", bad)
    path = bad / "components.csv.out"
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = json.dumps({"closest_cluster": 2.5, "distance_to_cluster": 0.1}) + "\n"
    path.write_text("".join(lines))
    with pytest.raises(InputError) as err:
        evaluate.read_assignments(bad)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 3, "closest_cluster")
    assert evaluate.main(_argv(workdir, tmp_path / "out", assignments=bad)) == 2
    assert not (tmp_path / "out" / "evaluation" / "evaluation.json").exists()
