"""Checks the credit-card transactions, splits them by class and writes LinearLearner's CSV channels.

The input is Kaggle's `creditcard.csv` (Time, V1..V28, Amount, Class) or the bundled sample of it,
which keeps every fraud but few legitimate rows; `meta/sampling.json` records the per-class
sampling rate (rows in the file / rows in the population) so that `evaluate` can correct precision
for the sample's inflated fraud share. `holdout_features/` holds the validation and test rows without
their label, which every candidate model scores in one batch transform. LinearLearner trains on CSV
with the label first and no header: https://docs.aws.amazon.com/sagemaker/latest/dg/LL-in-formats.html
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ml_code.common import io, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError

FEATURES = ["Time", *(f"V{i}" for i in range(1, 29)), "Amount"]
LABEL = "Class"
HOLDOUT = ("validation", "test")  # holdout_features/<split>.csv: features only, for batch transform


def load_transactions(path: Path) -> pd.DataFrame:
    """The 30 features and the label as numbers; drops a leading unnamed index column if present.

    Rows are numbered as lines of the file (the header is row 1), so errors point at the line to fix.
    """
    try:
        frame = pd.read_csv(path, low_memory=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as exc:
        reason = (
            "file is empty" if isinstance(exc, pd.errors.EmptyDataError) else f"not readable as CSV ({exc})"
        )
        raise InputError(str(path), reason, expected="a CSV with header Time,V1..V28,Amount,Class") from None
    if len(frame.columns) and (frame.columns[0] == "" or frame.columns[0].startswith("Unnamed: 0")):
        frame = frame.iloc[:, 1:]
    for name in [*FEATURES, LABEL]:
        if name not in frame.columns:
            raise InputError(
                str(path), "column missing", row=1, field=name, expected="Time,V1..V28,Amount,Class"
            )
    extra = [c for c in frame.columns if c not in FEATURES and c != LABEL]
    if extra:
        raise InputError(str(path), "unexpected column", row=1, field=str(extra[0]))
    if frame.empty:
        raise InputError(str(path), "no data rows", expected="at least one transaction")
    numbers = frame[[*FEATURES, LABEL]].apply(pd.to_numeric, errors="coerce").astype(float)
    bad = ~np.isfinite(numbers.to_numpy())
    bad[:, -1] |= ~numbers[LABEL].isin([0.0, 1.0]).to_numpy()
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        name = numbers.columns[col]
        cell = frame[name].iat[row]
        found = "missing value" if pd.isna(cell) else f"value {str(cell)!r}"
        expected = "0 or 1" if name == LABEL else "a finite number"
        raise InputError(str(path), found, row=io.file_line(path, row), field=name, expected=expected)
    return numbers.astype({LABEL: int})


def parse_counts(text: str) -> dict[int, int]:
    """`0=284315,1=492` -> {0: 284315, 1: 492}."""
    try:
        pairs = dict(part.split("=") for part in text.split(","))
        counts = {int(k): int(v) for k, v in pairs.items()}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 0=N,1=M, got {text!r}") from None
    if set(counts) != {0, 1} or min(counts.values()) < 1:
        raise argparse.ArgumentTypeError(f"expected positive counts for classes 0 and 1, got {text!r}")
    return counts


def stratified_split(
    labels: np.ndarray, validation_fraction: float, test_fraction: float, seed: int, file: str
) -> dict[str, np.ndarray]:
    """Row indices of train/validation/test with each class split in the same proportions."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"train": [], "validation": [], "test": []}
    for cls in (0, 1):
        rows = rng.permutation(np.flatnonzero(labels == cls))
        n_test, n_val = round(rows.size * test_fraction), round(rows.size * validation_fraction)
        if min(n_test, n_val, rows.size - n_test - n_val) < 1:
            raise InputError(
                file, f"{rows.size} rows of class {cls}", field=LABEL, expected="enough for 3 splits"
            )
        parts["test"].append(rows[:n_test])
        parts["validation"].append(rows[n_test : n_test + n_val])
        parts["train"].append(rows[n_test + n_val :])
    return {name: rng.permutation(np.concatenate(idx)) for name, idx in parts.items()}


def sampling_meta(
    labels: np.ndarray, population: dict[int, int] | None, file: str
) -> dict[str, dict[str, float]]:
    """Class counts in the file and in the population, and their ratio: each class's sampling rate."""
    in_file = {cls: int((labels == cls).sum()) for cls in (0, 1)}
    population = population or in_file  # no counts given: the file is the whole population
    for cls in (0, 1):
        if in_file[cls] > population[cls]:
            raise InputError(
                file, f"{in_file[cls]} rows of class {cls}", expected=f"<= population {population[cls]}"
            )
    return {
        "class_counts_in_file": {str(c): n for c, n in in_file.items()},
        "population_counts": {str(c): n for c, n in population.items()},
        "sampling_rate": {str(c): in_file[c] / population[c] for c in (0, 1)},
    }


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fraud_detection.preprocess", description=__doc__)
    parser.add_argument("--population-counts", type=parse_counts, default=None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--validation-fraction", type=float, default=0.2)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--input-dir", action="append")
    parser.add_argument("--output-dir", action="append")
    args = parser.parse_args(argv)
    if not (
        args.validation_fraction > 0
        and args.test_fraction > 0
        and args.validation_fraction + args.test_fraction < 1
    ):
        parser.error("--validation-fraction and --test-fraction must be > 0 and sum to less than 1")
    return args


@entry_point
def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    dirs = sm_env.ProcessingDirs(args.input_dir, args.output_dir)
    path = io.single_file(dirs.input("raw"), ("*.csv", "*.csv.gz"))
    data = load_transactions(path)
    labels = data[LABEL].to_numpy()
    meta = sampling_meta(labels, args.population_counts, str(path))
    splits = stratified_split(labels, args.validation_fraction, args.test_fraction, args.seed, str(path))
    labelled = data[[LABEL, *FEATURES]]
    for name, rows in splits.items():  # all checks are done: from here on only complete files are written
        with io.atomic_path(dirs.output(name) / f"{name}.csv") as tmp:
            labelled.iloc[rows].to_csv(tmp, header=False, index=False)
    for name in HOLDOUT:  # what each candidate model scores in one batch transform, without labels
        with io.atomic_path(dirs.output("holdout_features") / f"{name}.csv") as tmp:
            data[FEATURES].iloc[splits[name]].to_csv(tmp, header=False, index=False)
    split_counts = {n: {str(c): int((labels[r] == c).sum()) for c in (0, 1)} for n, r in splits.items()}
    fractions = {"validation": args.validation_fraction, "test": args.test_fraction}
    io.write_json(
        dirs.output("meta") / "sampling.json",
        {
            **meta,
            "seed": args.seed,
            "fractions": fractions,
            "split_counts": split_counts,
            "source": path.name,
        },
    )
    print(f"split rows {split_counts}; sampling rates {meta['sampling_rate']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
