"""Batch transform inside the job's subprocess: split, batch, and call the inference handlers.

Run as `python -m local_runtime.sagemaker.transform_worker <config.json>` (written by transform.py).
Records follow SageMaker's rules: `SplitType=Line` makes each non-empty line a record,
`MultiRecord` packs as many records as fit in `MaxPayloadInMB` into one request, and each input
file's responses are written to `<file>.out`, joined by newlines when `AssembleWith=Line`.
See https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform.html
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Self-contained (standard library only): it runs with just the model's code on sys.path.
ROOT_ENV = "ML_CODE_OPT_ML"  # sm_env.ROOT_ENV, repeated: this worker imports nothing of ours


def _write(path: Path, data: bytes) -> None:
    """Atomically: a reader never sees half an output file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _write_failure(reason: str) -> None:
    """SageMaker reports `/opt/ml/output/failure` as the job's FailureReason."""
    _write(Path(os.environ.get(ROOT_ENV, "/opt/ml")) / "output" / "failure", reason.encode())


HANDLERS = ("model_fn", "input_fn", "predict_fn", "output_fn")


class TransformFailed(Exception):
    pass


def payloads(body: bytes, split_type: str, strategy: str, max_bytes: int) -> Iterator[bytes]:
    """The request bodies SageMaker would send for one input file (`max_bytes` 0 means no limit)."""
    limit = max_bytes or len(body) + 1
    if split_type != "Line":
        if len(body) > limit:
            raise TransformFailed(f"file of {len(body)} bytes exceeds MaxPayloadInMB and SplitType is None")
        yield body
        return
    batch: list[bytes] = []
    size = 0
    for number, record in enumerate((r for r in body.splitlines() if r.strip()), start=1):
        if len(record) > limit:
            raise TransformFailed(f"record {number} ({len(record)} bytes) exceeds MaxPayloadInMB")
        if batch and (strategy == "SingleRecord" or size + 1 + len(record) > limit):
            yield b"\n".join(batch)
            batch, size = [], 0
        size += len(record) + (1 if batch else 0)
        batch.append(record)
    if batch:
        yield b"\n".join(batch)


def transform_file(handlers: Any, model: Any, body: bytes, config: dict[str, Any]) -> bytes:
    outputs = []
    for number, payload in enumerate(
        payloads(body, config["split_type"], config["batch_strategy"], config["max_payload_bytes"]), start=1
    ):
        try:
            data = handlers.input_fn(payload, config["content_type"])
            result = handlers.output_fn(handlers.predict_fn(data, model), config["accept"])
        except Exception as exc:  # a 4xx/5xx from the container fails the job with its message
            raise TransformFailed(f"request {number}: {type(exc).__name__}: {exc}") from None
        result = result.encode() if isinstance(result, str) else bytes(result)
        if config["assemble_with"] == "Line" and not result.endswith(b"\n"):
            result += b"\n"
        outputs.append(result)
    return b"".join(outputs)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    config = json.loads(Path(args[0]).read_text())
    try:
        handlers = importlib.import_module(config["module"])
        missing = [name for name in HANDLERS if not hasattr(handlers, name)]
        if missing:
            raise TransformFailed(f"module {config['module']} has no {', '.join(missing)}")
        model = handlers.model_fn(config["model_dir"])
        input_dir, output_dir = Path(config["input_dir"]), Path(config["output_dir"])
        for path in sorted(p for p in input_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(input_dir)
            try:
                out = transform_file(handlers, model, path.read_bytes(), config)
            except TransformFailed as exc:
                raise TransformFailed(f"{rel}: {exc}") from None
            _write(output_dir / f"{rel}.out", out)
    except (TransformFailed, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        _write_failure(f"ClientError: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
