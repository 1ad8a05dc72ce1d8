"""Component selection from PCA transform output: the case study's 0.8017 and malformed output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.decomposition import PCA

from ml_code.common.errors import InputError
from ml_code.population_segmentation import select_components


def _run(projections: Path, out: Path, top_k: int = 7) -> int:
    outputs = ["--output-dir", f"train={out / 'train'}", "--output-dir", f"meta={out / 'meta'}"]
    return select_components.main(
        ["--top-k", str(top_k), "--input-dir", f"projections={projections}", *outputs]
    )


def _write(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "census_scaled.csv.out").write_text("".join(line + "\n" for line in lines))
    return folder


def test_top_7_components_explain_0_8017_of_the_census_variance(chain: tuple[Path, dict[str, Any]]) -> None:
    workdir, _ = chain
    summary = json.loads((workdir / "select" / "meta" / "explained_variance.json").read_text())
    assert round(summary["explained_variance_top_k"], 4) == 0.8017
    # Independent check: scikit-learn's PCA of the same scaled table.
    scaled = np.loadtxt(workdir / "preprocess" / "train" / "census_scaled.csv", delimiter=",")
    reference = PCA(33, svd_solver="full").fit(scaled).explained_variance_ratio_
    assert summary["explained_variance_top_k"] == pytest.approx(reference[:7].sum(), rel=1e-9)
    assert summary["ratio"] == pytest.approx(reference, rel=1e-6)
    # The PCA lists components smallest first, as SageMaker's does: the largest is the last column.
    assert summary["component_order"] == list(range(32, -1, -1))
    components = np.loadtxt(workdir / "select" / "train" / "components.csv", delimiter=",")
    assert components.shape == (3218, 7)
    assert np.all(np.diff(components.var(axis=0)) < 0)


def test_select_orders_by_variance_and_reports_ratios() -> None:
    rng = np.random.default_rng(0)
    projections = rng.standard_normal((2000, 3)) * [1.0, 3.0, 2.0]
    kept, summary = select_components.select(projections, 2)
    assert summary["component_order"] == [1, 2, 0]
    variance = projections.var(axis=0)
    assert summary["explained_variance_top_k"] == pytest.approx((variance[1] + variance[2]) / variance.sum())
    assert summary["cumulative"][-1] == pytest.approx(1.0)
    assert np.array_equal(kept, projections[:, [1, 2]])


def test_json_mini_batches_read_like_json_lines(tmp_path: Path) -> None:
    rows = [[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]]
    lines = _write(tmp_path / "lines", [json.dumps({"projection": r}) for r in rows])
    batches = _write(
        tmp_path / "batches",
        [
            json.dumps({"projections": [{"projection": r} for r in rows[:2]]}),
            json.dumps({"projection": rows[2]}),
        ],
    )
    assert np.array_equal(select_components.read_projections(lines), rows)
    assert np.array_equal(select_components.read_projections(batches), rows)


@pytest.mark.parametrize(
    ("lines", "row", "field"),
    [
        (['{"projection": [1, 2]}', "not json"], 2, None),
        (['{"projection": [1, 2]}', '{"projection": [1]}'], 2, "projection"),
        (['{"projection": [1, 2]}', '{"projection": [1, "x"]}'], 2, "projection"),
        (['{"projection": [1, 2]}', '{"score": 0.5}'], 2, "projection"),
    ],
)
def test_malformed_transform_output_is_refused_without_outputs(
    tmp_path: Path, lines: list[str], row: int, field: str | None
) -> None:
    folder = _write(tmp_path / "in", lines)
    with pytest.raises(InputError) as err:
        select_components.read_projections(folder)
    assert (err.value.row, err.value.field) == (row, field)
    assert err.value.file == str(folder / "census_scaled.csv.out")
    assert _run(folder, tmp_path / "out", top_k=1) == 2
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_top_k_larger_than_the_components_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path / "in", [json.dumps({"projection": [i, i * i]}) for i in range(5)])
    assert _run(folder, tmp_path / "out", top_k=3) == 2
    assert _run(folder, tmp_path / "ok", top_k=2) == 0
    kept = np.loadtxt(tmp_path / "ok" / "train" / "components.csv", delimiter=",")
    assert kept[:, 0].tolist() == [0, 1, 4, 9, 16]  # the squares vary most
