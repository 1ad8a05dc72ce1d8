"""`python -m local_runtime list | run | invoke | serve | history | destroy | clean`: the offline
runtime's command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from local_runtime import bundled_data, console, retention
from local_runtime import cases as cases_module
from local_runtime.cases import CASE_IDS
from local_runtime.execution import INTERRUPTED_ERROR
from local_runtime.pipeline import DEFAULT_TIME_SCALE, CaseRun, run_case

INTERRUPTED_EXIT = 130  # what a shell reports for a command ended by SIGINT
DEFAULT_WORKDIR = bundled_data.REPO_ROOT / "runs" / "local"


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"keep at least the last execution of each case, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_runtime", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the case studies")

    run = sub.add_parser("run", help="run a case study's state machine (or all four) locally")
    run.add_argument("case", choices=[*CASE_IDS, "all"])
    run.add_argument("--data-dir", type=Path, default=bundled_data.DEFAULT_DATA_DIR)
    run.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    run.add_argument("--json", action="store_true", help="print one JSON object per case, nothing else")
    run.add_argument("--time-scale", type=float, default=DEFAULT_TIME_SCALE, help="Wait/bake time factor")
    run.add_argument("--input", type=json.loads, default=None, help="start input (JSON) for the execution")
    run.add_argument(
        "--keep-runs",
        type=_at_least_one,
        default=retention.KEEP_RUNS,
        help=f"executions kept per case, older ones pruned after the run (default {retention.KEEP_RUNS})",
    )

    invoke = sub.add_parser("invoke", help="call a case's local endpoint")
    invoke.add_argument("case", choices=CASE_IDS)
    invoke.add_argument("--body", help="request body, or @file; default: a sample from the last run")
    invoke.add_argument("--content-type", default="text/csv")
    invoke.add_argument("--accept", default="application/json")
    invoke.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)

    serve = sub.add_parser("serve", help="host every endpoint deployed in a workdir on 127.0.0.1")
    serve.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    serve.add_argument("--port", type=int, default=8080)

    history = sub.add_parser("history", help="an execution's event history")
    history.add_argument("execution")
    history.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)

    destroy = sub.add_parser(
        "destroy",
        help="remove a case's endpoint, endpoint configs and models from the workdir (data and history stay)",
    )
    destroy.add_argument("case", choices=[*CASE_IDS, "all"])
    destroy.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)

    clean = sub.add_parser(
        "clean", help="prune old executions' jobs, artifacts and reports (live endpoints keep theirs)"
    )
    clean.add_argument(
        "--keep-runs", type=_at_least_one, default=retention.KEEP_RUNS, help="executions kept per case"
    )
    clean.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    return parser


def _run(args: argparse.Namespace) -> int:
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
            return console.list_cases()
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
