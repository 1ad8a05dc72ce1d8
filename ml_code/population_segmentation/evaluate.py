"""Evaluate the county segmentation and write the case study's deliverable.

Each county's cluster (`clusters/county_clusters.csv`) and a profile of every cluster: the mean of
each min-max scaled census feature (`report/cluster_profile.csv`, which reads directly as "high/low
on X") and of each kept component (`report/cluster_components.csv`). Metrics: the explained variance
of the kept components (from `select_components`) and the silhouette of the clusters in that space.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import silhouette_score

from ml_code.builtin._csv import read_feature_csv
from ml_code.common import gate, io, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.population_segmentation import plots
from ml_code.population_segmentation.preprocess import COUNTY_KEY
from ml_code.population_segmentation.select_components import read_transform_records

RANDOM_SEEDS = 5  # random clusterings averaged for the baseline


def _read_json(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(str(path), "file is missing") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON ({exc.msg})") from None
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            raise InputError(str(path), "key is missing", field=key)
    return data


def read_assignments(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Cluster index (sent as a float by k-means, e.g. 3.0) and distance of each transform record."""
    path, records = read_transform_records(folder, "closest_cluster", "predictions")
    clusters, distances = [], []
    for row, record in enumerate(records, start=1):
        cluster, distance = record.get("closest_cluster"), record.get("distance_to_cluster")
        if not isinstance(cluster, int | float) or isinstance(cluster, bool) or cluster < 0 or cluster % 1:
            raise InputError(
                str(path), f"{cluster!r}", row=row, field="closest_cluster", expected="an integer >= 0"
            )
        if not isinstance(distance, int | float) or not np.isfinite(distance) or distance < 0:
            raise InputError(
                str(path), f"{distance!r}", row=row, field="distance_to_cluster", expected="a number >= 0"
            )
        clusters.append(int(cluster))
        distances.append(float(distance))
    return np.asarray(clusters), np.asarray(distances)


def _same_rows(counts: dict[str, int]) -> None:
    if len(set(counts.values())) != 1:
        detail = ", ".join(f"{name}: {n}" for name, n in counts.items())
        raise InputError(
            "inputs", f"row counts differ ({detail})", expected="one row per county in every input"
        )


def random_silhouette(components: np.ndarray, k: int, seeds: int = RANDOM_SEEDS) -> float:
    """The baseline: the mean silhouette of `k` clusters assigned at random (seeded), on the same
    components with the same function; structure-free clusterings score about 0."""
    scores = []
    for seed in range(seeds):
        labels = np.random.default_rng(seed).integers(0, k, size=len(components))
        scores.append(silhouette_score(components, labels))
    return float(np.mean(scores))


def evaluate(dirs: sm_env.ProcessingDirs, bar: gate.BaselineBar | None = None) -> dict[str, Any]:
    meta = dirs.input("meta")
    features = _read_json(meta / "features.json", ("features",))["features"]
    variance = _read_json(
        dirs.input("variance") / "explained_variance.json", ("explained_variance_top_k", "ratio")
    )
    counties = pd.read_csv(io.single_file(meta, ("counties.csv",)), dtype=str, keep_default_na=False)
    if COUNTY_KEY not in counties.columns:
        raise InputError(str(meta / "counties.csv"), "column is missing", row=1, field=COUNTY_KEY)
    scaled = read_feature_csv(dirs.input("scaled"))
    components = read_feature_csv(dirs.input("components"))
    clusters, distances = read_assignments(dirs.input("assignments"))
    _same_rows({"counties": len(counties), "scaled": len(scaled), "components": len(components),
                "assignments": len(clusters)})  # fmt: skip
    if scaled.shape[1] != len(features):
        raise InputError(
            "scaled", f"{scaled.shape[1]} columns", expected=f"{len(features)} as in features.json"
        )
    if not 2 <= len(np.unique(clusters)) < len(clusters):
        raise InputError(
            "assignments", f"{len(np.unique(clusters))} distinct clusters", expected="2 .. rows - 1"
        )

    k, top_k = int(clusters.max()) + 1, int(components.shape[1])
    sizes = np.bincount(clusters, minlength=k)
    names = [f"PC{i + 1}" for i in range(components.shape[1])]
    by_cluster = pd.Index(clusters, name="cluster")
    profile = pd.DataFrame(scaled, columns=features, index=by_cluster).groupby(level=0).mean()
    profile.columns.name = "feature (min-max scaled)"
    makeup = pd.DataFrame(components, columns=names, index=by_cluster).groupby(level=0).mean()
    makeup.columns.name = "component (by variance)"
    report = {
        "metrics": {
            "explained_variance_top_k": float(variance["explained_variance_top_k"]),
            "silhouette": float(silhouette_score(components, clusters)),
        },
        "k": k,
        "top_k": top_k,
        "rows": len(clusters),
        "cluster_sizes": {str(c): int(n) for c, n in enumerate(sizes)},
        "mean_distance_to_cluster": float(distances.mean()),
        "baselines": {"random_assignment": {"silhouette": random_silhouette(components, k)}},
    }
    out = pd.DataFrame({COUNTY_KEY: counties[COUNTY_KEY], "cluster": clusters, "distance": distances})
    io.write_text(dirs.output("clusters") / "county_clusters.csv", out.to_csv(index=False))
    report_dir = dirs.output("report")
    io.write_text(report_dir / "cluster_profile.csv", profile.assign(size=sizes[profile.index]).to_csv())
    io.write_text(report_dir / "cluster_components.csv", makeup.to_csv())
    plots.explained_variance(variance["ratio"], top_k, report_dir / "explained_variance.png")
    plots.heat_map(profile, "Cluster profile: mean scaled feature", report_dir / "cluster_profile.png")
    plots.heat_map(
        makeup, "Cluster makeup: mean component", report_dir / "cluster_components.png", diverging=True
    )
    gate.attach(report, bar)
    io.write_json(dirs.output("evaluation") / "evaluation.json", report)
    return report


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ml_code.population_segmentation.evaluate", description=__doc__
    )
    parser.add_argument(
        "--input-dir", action="append", help="NAME=PATH: meta, scaled, components, assignments, variance"
    )
    parser.add_argument("--output-dir", action="append", help="NAME=PATH: evaluation, clusters, report")
    gate.add_arguments(parser)
    args = parser.parse_args(argv)
    bar = gate.from_arguments(parser, args)
    report = evaluate(sm_env.ProcessingDirs(args.input_dir, args.output_dir), bar)
    print(
        f"evaluate: {json.dumps(report['metrics'])}, cluster sizes {list(report['cluster_sizes'].values())}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
