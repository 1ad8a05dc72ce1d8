"""Processing entry point: the raw `x,y` points (with a header) as k-means' training channel.

Runs as `python3 -m tinycase.preprocess` in the processing image, reading /opt/ml/processing/input/raw
and writing /opt/ml/processing/output/train (ML_CODE_OPT_ML stands in for /opt/ml locally).
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path


def main() -> int:
    root = Path(os.environ.get("ML_CODE_OPT_ML", "/opt/ml")) / "processing"
    rows = []
    for path in sorted((root / "input" / "raw").glob("*.csv")):
        with path.open(newline="") as fh:
            reader = csv.reader(fh)
            next(reader)  # header
            rows += [[float(x), float(y)] for x, y in reader]
    if not rows:
        print("error: no points under input/raw", file=sys.stderr)
        return 2
    out = root / "output" / "train"
    out.mkdir(parents=True, exist_ok=True)
    (out / "points.csv").write_text("".join(f"{x},{y}\n" for x, y in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
