"""Quality bench for the moons case: preprocess + train through their entry points, tuned defaults.

Run from the repository root: `python -m bench.quality.moons [--data-dir data/moons] [--workdir DIR]`.
Metrics are read back from the training log with the same regexes the training job's
MetricDefinitions use, so a change to the printed lines breaks this bench too.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ml_code.moon_classification import preprocess, train

ROOT = Path(__file__).resolve().parents[2]
METRIC_REGEXES = {
    "validation_accuracy": r"validation:accuracy=([0-9\.]+);",
    "test_accuracy": r"test:accuracy=([0-9\.]+);",
}


class _Tee(io.StringIO):
    """Keeps what the step prints while still showing it."""

    def write(self, text: str) -> int:
        if sys.__stdout__ is not None:
            sys.__stdout__.write(text)
        return super().write(text)


def _run(step: Any, argv: list[str]) -> str:
    out = _Tee()
    with contextlib.redirect_stdout(out):
        code = step.main(argv)
    if code != 0:
        raise RuntimeError(f"{step.__name__} exited {code}")
    return out.getvalue()


def run(data_dir: Path, workdir: Path) -> dict[str, float]:
    """Test and validation accuracy, and wall-clock and CPU seconds of the training step."""
    channels = {name: workdir / "channels" / name for name in ("train", "test")}
    _run(
        preprocess,
        ["--input-dir", f"raw={data_dir}", *[f"--output-dir={n}={p}" for n, p in channels.items()]],
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    log = _run(
        train,
        [
            f"--data-dir={channels['train']}",
            f"--test-dir={channels['test']}",
            f"--model-dir={workdir / 'model'}",
            f"--output-data-dir={workdir / 'output'}",
        ],
    )
    result = {
        "train_seconds": round(time.perf_counter() - started, 3),
        "train_cpu_seconds": round(
            time.process_time() - cpu_started, 3
        ),  # wall time varies with machine load
    }
    for name, pattern in METRIC_REGEXES.items():
        found = re.findall(pattern, log)
        if not found:
            raise RuntimeError(f"training printed no line matching {pattern!r}")
        result[name] = float(found[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.quality.moons", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "moons")
    parser.add_argument("--workdir", type=Path, help="kept after the run; a temporary folder if omitted")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="moons-bench-"))
        )
        result = run(args.data_dir, workdir)
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
