"""`python -m local_runtime list | run | invoke | serve | history | destroy | clean`: the offline
runtime's command line."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local_runtime import bundled_data, console, retention
from local_runtime import cases as cases_module
from local_runtime.cases import CASE_IDS
from local_runtime.endpoints.clock import DEFAULT_TIME_SCALE

if TYPE_CHECKING:
    from local_runtime.pipeline import CaseRun

INTERRUPTED_EXIT = 130  # what a shell reports for a command ended by SIGINT
DEFAULT_WORKDIR = bundled_data.REPO_ROOT / "runs" / "local"
DESTROY_HELP = (
    "remove from the workdir what a case deployed and what its executions wrote: its endpoint, endpoint "
    "configs and models, and in local S3 its runs/<case>/ outputs, its deployment record and its "
    "endpoint's data capture. What stays: the raw data, the execution history (executions/, so "
    "`history` still works), the reports, the job folders with their logs and the cached synth"
)


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"keep at least the last execution of each case, not {value}")
    return value


def _time_scale(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"a factor > 0 (1 is real time, 0.01 a hundred times faster), not {text}"
        )
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a TCP port from 1 to 65535, not {value}")
    return value


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON ({exc}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f'a JSON object such as \'{{"raw_data_uri": "s3://..."}}\', not {text!r}'
        )
    return value


def _directory(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is not a directory")
    return path


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default."""


def _workdir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help="where local runs keep their state (S3, jobs, endpoints)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local_runtime", description=__doc__, formatter_class=_Help
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, formatter_class=_Help)

    listing = command("list", "list the case studies, their gates and each one's last outcome in the workdir")
    _workdir(listing)

    run = command("run", "run a case study's state machine (or all four) locally")
    run.add_argument("case", choices=[*CASE_IDS, "all"], help="the case study to run")
    run.add_argument(
        "--data-dir",
        type=_directory,
        default=bundled_data.DEFAULT_DATA_DIR,
        help="a folder laid out like data/ (each case's raw files in its own sub-folder) to stage from",
    )
    _workdir(run)
    run.add_argument("--json", action="store_true", help="print one JSON object per case, nothing else")
    run.add_argument(
        "--time-scale",
        type=_time_scale,
        default=DEFAULT_TIME_SCALE,
        help="factor on Wait and bake times (> 0)",
    )
    run.add_argument(
        "--input",
        type=_json_object,
        default="{}",
        help="the execution's start input, a JSON object",
    )
    run.add_argument(
        "--keep-runs",
        type=_at_least_one,
        default=retention.KEEP_RUNS,
        help="executions kept per case, older ones pruned after the run",
    )

    invoke = command("invoke", "call a case's local endpoint")
    invoke.add_argument("case", choices=CASE_IDS, help="the case study whose endpoint to call")
    invoke.add_argument(
        "--body", help="request body, or @file (none: a sample built from the last run, printed to stderr)"
    )
    invoke.add_argument("--content-type", default="text/csv", help="the body's content type (with --body)")
    invoke.add_argument(
        "--accept", default="application/json", help="the answer's content type (with --body)"
    )
    _workdir(invoke)

    serve = command("serve", "host every endpoint deployed in a workdir on 127.0.0.1")
    _workdir(serve)
    serve.add_argument("--port", type=_port, default=8080, help="the TCP port to listen on (1-65535)")

    history = command("history", "an execution's event history")
    history.add_argument(
        "execution", nargs="?", help="an execution name; without one, each case's gate and last outcome"
    )
    _workdir(history)

    destroy = command("destroy", DESTROY_HELP)
    destroy.add_argument("case", choices=[*CASE_IDS, "all"], help="the case study (or all four)")
    _workdir(destroy)

    clean = command("clean", "prune old executions' jobs, artifacts and reports (live endpoints keep theirs)")
    clean.add_argument(
        "--keep-runs", type=_at_least_one, default=retention.KEEP_RUNS, help="executions kept per case"
    )
    _workdir(clean)
    return parser


def run_case(*args: Any, **kwargs: Any) -> CaseRun:
    """`pipeline.run_case`, imported when a run starts: the other commands (`invoke` above all) need
    none of the synth, report and execution machinery."""
    from local_runtime.pipeline import run_case as run

    return run(*args, **kwargs)


def _run(args: argparse.Namespace) -> int:
    from local_runtime.execution import INTERRUPTED_ERROR  # moto's interpreter: not for other commands

    cases = list(CASE_IDS) if args.case == "all" else [args.case]
    runs: list[CaseRun] = []
    for case in cases:
        progress = None if args.json else console.Progress(case)
        try:
            run = run_case(
                case,
                workdir=args.workdir,
                data_dir=args.data_dir,
                progress=progress,
                time_scale=args.time_scale,
                start_input=args.input,
            )
        except console.USER_ERRORS as exc:
            if not args.json:
                raise
            # the run never started: still one JSON object per case, saying why
            print(
                json.dumps(
                    {"case": case, "status": "NOT_STARTED", "error": type(exc).__name__, "cause": str(exc)}
                )
            )
            return 2
        runs.append(run)
        pruned = retention.prune(args.workdir.resolve(), [cases_module.find(case)], args.keep_runs)
        if (pruned.executions or pruned.skipped) and not args.json:
            print(f"  {pruned} (--keep-runs {args.keep_runs})\n", flush=True)
        if args.json:
            print(json.dumps(run.to_json()), flush=True)
        else:
            console.summary(run)
        if run.error == INTERRUPTED_ERROR:
            return INTERRUPTED_EXIT  # Ctrl-C stops the whole command, not only this case
    if not args.json:
        console.summary_table(runs, args.workdir)
    return 0 if all(r.status == "SUCCEEDED" for r in runs) else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return console.list_cases(args.workdir)
        if args.command == "run":
            return _run(args)
        if args.command == "invoke":
            return console.invoke(args.case, args.workdir, args.body, args.content_type, args.accept)
        if args.command == "serve":
            return console.serve(args.workdir, args.port)
        if args.command == "destroy":
            return console.destroy(args.case, args.workdir)
        if args.command == "clean":
            return console.clean(args.workdir, args.keep_runs)
        return console.history(args.workdir, args.execution)
    except console.USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside an execution (or a second Ctrl-C): nothing to record
        print("interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT
