"""Keep the top-k principal components of the PCA batch-transform output, ordered by variance.

Works from the projections alone, so it needs no model file and does not depend on the order in
which a PCA implementation lists its components (SageMaker's lists the largest last). Batch
transform writes one `<input file>.out` per input file; with `accept: application/jsonlines` each
line is one `{"projection": [...]}`, and with `application/json` a line may hold a mini-batch
`{"projections": [...]}`; both are read, in file order.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ml_code.common import io, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.common.metrics import explained_variance_ratio

TRANSFORM_PATTERNS = ("*.out", "*.jsonl")


def read_transform_records(folder: Path, key: str, batch_key: str) -> tuple[Path, list[dict[str, Any]]]:
    """Records of a batch-transform output file, unwrapping `{batch_key: [record, ...]}` lines."""
    path = io.single_file(folder, TRANSFORM_PATTERNS)
    records: list[dict[str, Any]] = []
    for row, line in enumerate(io.read_jsonlines(path), start=1):
        batch = line.get(batch_key, [line]) if key not in line else [line]
        if not isinstance(batch, list) or not all(isinstance(r, dict) and key in r for r in batch):
            raise InputError(
                str(path), f"record has no {key!r}", row=row, field=key, expected=f'{{"{key}": ...}}'
            )
        records.extend(batch)
    return path, records


def read_projections(folder: Path) -> np.ndarray:
    path, records = read_transform_records(folder, "projection", "projections")
    width = len(records[0]["projection"]) if isinstance(records[0]["projection"], list) else 0
    for row, record in enumerate(records, start=1):
        values = record["projection"]
        if not isinstance(values, list) or len(values) != width or width == 0:
            raise InputError(str(path), "projection has the wrong length", row=row, field="projection",
                             expected=f"a list of {width or 'some'} numbers")  # fmt: skip
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) for v in values):
            raise InputError(str(path), "projection has a value that is not a finite number", row=row,
                             field="projection")  # fmt: skip
    return np.asarray([r["projection"] for r in records], dtype=float)


def select(projections: np.ndarray, top_k: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Top-k columns by variance (highest first) and the explained-variance summary."""
    variance = projections.var(axis=0)
    order = np.argsort(-variance, kind="stable")
    ratio = variance[order] / variance.sum()
    summary = {
        "top_k": top_k,
        "rows": int(projections.shape[0]),
        "num_components": int(projections.shape[1]),
        "component_order": [int(i) for i in order],  # column index in the transform output
        "variance": [float(v) for v in variance[order]],
        "ratio": [float(r) for r in ratio],
        "cumulative": [float(c) for c in np.cumsum(ratio)],
        "explained_variance_top_k": explained_variance_ratio(variance, top_k),
    }
    return projections[:, order[:top_k]], summary


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml_code.population_segmentation.select_components")
    parser.add_argument("--top-k", type=int, default=7, help="components to keep (the case study keeps 7)")
    parser.add_argument("--input-dir", action="append", help="NAME=PATH override, e.g. projections=/tmp/out")
    parser.add_argument("--output-dir", action="append", help="NAME=PATH override, e.g. train=/tmp/train")
    args = parser.parse_args(argv)
    dirs = sm_env.ProcessingDirs(args.input_dir, args.output_dir)
    folder = dirs.input("projections")
    projections = read_projections(folder)
    if not 1 <= args.top_k <= projections.shape[1]:
        raise InputError(
            str(folder), f"--top-k {args.top_k}", field="top_k", expected=f"1..{projections.shape[1]}"
        )
    if projections.shape[0] < 2:
        raise InputError(str(folder), "variance needs at least two projected rows")
    components, summary = select(projections, args.top_k)
    text = "".join(",".join(f"{v:.10g}" for v in row) + "\n" for row in components)
    io.write_text(dirs.output("train") / "components.csv", text)
    io.write_json(dirs.output("meta") / "explained_variance.json", summary)
    print(f"select_components: top {args.top_k} of {projections.shape[1]} explain "
          f"{summary['explained_variance_top_k']:.4f} of the variance")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
