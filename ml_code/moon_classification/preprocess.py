"""Validate the bundled moons split (or generate it) into the `train` and `test` channels, and the
test rows without their label (`test_features`) for the evaluation's batch transform.

The files are `label,x1,x2` with no header, as the Udacity recipe wrote them: `np.random.seed(0)`,
`make_moons(600, noise=0.25)`, `train_test_split(test_size=0.25, random_state=1)`. `read_split` is
also what `train.py` uses, so a bad channel fails the same way in both steps.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import numpy as np

from ml_code.common import io, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError

COLUMNS = ("label", "x1", "x2")
FEATURES = COLUMNS[1:]
SPLIT_FILES = {"train": "train.csv", "test": "test.csv"}


def read_split(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(features float64 (n, 2), labels int64 (n,)) from a `label,x1,x2` CSV, or InputError naming the row."""
    if not path.is_file():
        raise InputError(str(path), "file does not exist")
    features: list[list[float]] = []
    labels: list[int] = []
    for row, fields in _records(path):
        if not fields or not "".join(fields).strip():
            continue
        if len(fields) != len(COLUMNS):
            raise InputError(
                str(path),
                f"has {len(fields)} columns",
                row=row,
                expected=f"{len(COLUMNS)}: {','.join(COLUMNS)}",
            )
        values = [_number(path, row, name, text) for name, text in zip(COLUMNS, fields, strict=True)]
        if values[0] not in (0.0, 1.0):
            raise InputError(str(path), f"label is {fields[0]!r}", row=row, field="label", expected="0 or 1")
        labels.append(int(values[0]))
        features.append(values[1:])
    if not labels:
        raise InputError(str(path), "file is empty", expected="rows of label,x1,x2")
    return np.asarray(features, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(file line, fields) per CSV record; the line is where the record ends, as `csv` counts it."""
    reader = csv.reader(StringIO(io.read_utf8(path), newline=""))
    try:
        for fields in reader:
            yield reader.line_num, fields
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit(), as random bytes can make
        raise InputError(str(path), f"not a readable CSV ({exc})", row=reader.line_num) from None


def _number(path: Path, row: int, field: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(str(path), f"{text.strip()!r} is not a number", row=row, field=field) from None
    if not math.isfinite(value):
        raise InputError(
            str(path), f"{text.strip()!r} is not finite", row=row, field=field, expected="a finite number"
        )
    return value


def to_csv(features: np.ndarray, labels: np.ndarray) -> str:
    """`repr` round-trips every float exactly, and is what pandas wrote for the bundled files."""
    return "".join(
        f"{float(y)!r},{float(a)!r},{float(b)!r}\n" for y, (a, b) in zip(labels, features, strict=True)
    )


def generate(
    seed: int, samples: int, noise: float, test_fraction: float = 0.25, split_seed: int = 1
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The Udacity recipe; a RandomState(seed) draws the same numbers as `np.random.seed(seed)`."""
    # imported here: the endpoint's handlers import this module for FEATURES and need no scikit-learn
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    x, y = make_moons(samples, noise=noise, random_state=np.random.RandomState(seed))
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=split_seed
    )
    return {"train": (x_train, y_train), "test": (x_test, y_test)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ml_code.moon_classification.preprocess", description=__doc__)
    parser.add_argument(
        "--input-dir", action="append", metavar="NAME=PATH", help="override an input folder (raw)"
    )
    parser.add_argument(
        "--output-dir",
        action="append",
        metavar="NAME=PATH",
        help="override an output (train, test, test_features)",
    )
    parser.add_argument("--generate", action="store_true", help="generate the data instead of reading `raw`")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument("--noise", type=float, default=0.25)
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--split-seed", type=int, default=1)
    return parser


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.samples < 8 or args.noise < 0 or not 0 < args.test_fraction < 1:
        parser.error("need --samples >= 8, --noise >= 0 and 0 < --test-fraction < 1")
    dirs = sm_env.ProcessingDirs(args.input_dir, args.output_dir)
    if args.generate:
        generated = generate(args.seed, args.samples, args.noise, args.test_fraction, args.split_seed)
        splits = {name: (f"generated {name} split", *data) for name, data in generated.items()}
    else:  # read and check both files before writing either, so bad input leaves no outputs
        paths = {name: dirs.input("raw") / file for name, file in SPLIT_FILES.items()}
        splits = {name: (str(path), *read_split(path)) for name, path in paths.items()}
    for source, _, labels in splits.values():
        if len(set(labels.tolist())) != 2:
            raise InputError(source, "holds only one class", field="label", expected="both 0 and 1")
    for name, (_, features, labels) in splits.items():
        io.write_text(dirs.output(name) / SPLIT_FILES[name], to_csv(features, labels))
        print(f"{name}: {labels.size} rows, {int(labels.sum())} with label 1")
    test_features = splits["test"][1]  # what the deployed model scores in a batch transform: x1,x2
    io.write_text(
        dirs.output("test_features") / "test_features.csv",
        "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in test_features),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
