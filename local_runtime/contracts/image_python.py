"""The `python3` a local job finds on its PATH: the image's interpreter, as far as our code can tell.

Run as `<venv python> -P image_python.py <image uri> -- <python arguments>` by the shim
`images.write_shim` writes. It reads the command line as CPython does
(https://docs.python.org/3/using/cmdline.html), checks what `-m module` or the script would run
against what the image ships (`images.check_code`) and, if all is well, replaces itself with this
venv's Python on the same arguments and the environment untouched. Otherwise it prints one
`ImageMismatch:` line per problem and exits 1, as the job would have failed in the container.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

_MAX_SHOWN = 20
_WITH_VALUE = "cmWX"  # options whose value follows, attached (-mpkg) or as the next argument
_NO_RUN = "hV?"  # --help and --version: nothing of ours runs


@dataclass(frozen=True)
class Target:
    """What a python command line runs: `module`, `script` or nothing we check (-c, stdin, a REPL)."""

    kind: str  # "module" | "script" | "none"
    name: str = ""
    ignore_environment: bool = False  # -E / -I: PYTHONPATH is not read
    safe_path: bool = False  # -P / -I: neither the cwd nor the script's folder goes on sys.path


def parse(args: list[str]) -> Target:
    ignore_environment = safe_path = False
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if arg == "-" or not arg.startswith("-"):
            break
        if arg.startswith("--"):
            if arg == "--check-hash-based-pycs":
                index += 2
                continue
            return Target("none")  # --help, --version, --help-env...
        for position, flag in enumerate(arg[1:], start=1):
            if flag in _NO_RUN:
                return Target("none")
            ignore_environment |= flag in "EI"
            safe_path |= flag in "PI"
            if flag in _WITH_VALUE:
                value = arg[position + 1 :]
                if not value:
                    index += 1
                    value = args[index] if index < len(args) else ""
                if flag == "c":
                    return Target("none")
                if flag == "m":  # without a value CPython itself says "Argument expected"
                    return Target("module", value, ignore_environment, safe_path) if value else Target("none")
                break
        index += 1
    if index >= len(args) or args[index] == "-":
        return Target("none")
    return Target("script", args[index], ignore_environment, safe_path)


def code_roots(target: Target, cwd: Path, environ: dict[str, str]) -> tuple[str, list[Path]]:
    """The entry as `check_code` takes it, and the folders Python would import our code from."""
    path = (
        [] if target.ignore_environment else [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    python_path = [(cwd / p).resolve() for p in path]
    if target.kind == "module":
        return target.name, list(
            dict.fromkeys([*([] if target.safe_path else [cwd.resolve()]), *python_path])
        )
    script = (cwd / target.name).resolve()
    # the code root the script's own package resolves from (PYTHONPATH, as the training toolkit
    # sets it, or the cwd); else its folder, which Python puts first on sys.path
    root = next((p for p in [*python_path, cwd.resolve()] if script.is_relative_to(p)), script.parent)
    extra = [] if target.safe_path else [script.parent]
    return script.relative_to(root).as_posix(), list(dict.fromkeys([root, *extra, *python_path]))


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print("usage: image_python.py <image uri> -- <python arguments>", file=sys.stderr)
        return 2
    image_uri, args = argv[0], argv[2:]
    # Run as a script with -P: make this project importable, in this process only.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from local_runtime.contracts.images import check_code, manifest_entry

    try:
        manifest_entry(image_uri)
    except ValueError as error:  # an image the manifest does not know: nothing to stand in for
        print(f"ImageMismatch: {error}", file=sys.stderr)
        return 1
    target = parse(args)
    # a script that is not there: CPython's own error, as in the container
    if target.kind == "module" or (target.kind == "script" and Path(target.name).is_file()):
        entry, roots = code_roots(target, Path.cwd(), dict(os.environ))
        problems = [str(p) for p in check_code(image_uri, entry, roots, script=target.kind == "script")]
        if problems:
            for problem in problems[:_MAX_SHOWN]:
                print(f"ImageMismatch: {problem}", file=sys.stderr)
            if len(problems) > _MAX_SHOWN:
                print(f"ImageMismatch: ... and {len(problems) - _MAX_SHOWN} more", file=sys.stderr)
            return 1
    os.execv(sys.executable, [sys.executable, *args])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
