"""What each container image ships, and whether a module of ours can run in it.

Local mode runs jobs and endpoints with this project's virtualenv, whose Python and packages are not
the container's: code needing a newer construct or a package the image lacks passes here and fails
on AWS. `data/images.json` records per image (by ECR repository and tag) its Python, the packages it
ships and the commands on its PATH, each with the source it was read from. `check_code` checks a
module's import closure against that before local mode runs it; `write_shim` puts a `python3` on a
job's PATH that does the same for whatever the job's command line runs (see image_python.py).
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import json
import os
import re
import shlex
import sys
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

from ml_code.common.imports import ImportSite, graph, missing_own_modules

DATA_FILE = Path(__file__).with_name("data") / "images.json"
IMAGE_PYTHON = Path(__file__).with_name("image_python.py")
OWN = ("ml_code",)
# Per-file verdicts on disk, shared by a run's many jobs (each job checks in its own shim process).
CACHE_DIR = Path(tempfile.gettempdir()) / f"ml-code-image-checks-{os.getuid()}"
_URI = re.compile(
    r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/(?P<repository>[a-z0-9][a-z0-9._/-]*)"
    r":(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})"
)
_LISTED = 60  # package lists longer than this are referred to, not printed


@dataclass(frozen=True)
class ImageManifest:
    """One entry of data/images.json (its "fields" object says what each field means)."""

    key: str  # `<repository>:<tag>`, the tag possibly a glob
    python: str | None  # major.minor; None for built-in algorithms
    packages: Mapping[str, str | None]  # normalized distribution name -> version (None: unpinned)
    commands: tuple[str, ...]
    builtin: bool
    used: bool
    note: str
    modules: Mapping[str, str]  # import name -> shipped distribution, where this venv cannot tell
    sources: tuple[Mapping[str, object], ...]

    @property
    def python_version(self) -> tuple[int, int]:
        major, minor = (self.python or "0.0").split(".")[:2]
        return int(major), int(minor)

    def summary(self) -> str:
        shipped = [f"{name} {version}" if version else name for name, version in self.packages.items()]
        listed = (
            ", ".join(shipped) if len(shipped) <= _LISTED else f"{len(shipped)} packages, see {DATA_FILE}"
        )
        return f"Python {self.python}; ships: {listed}"


@dataclass(frozen=True)
class CodeProblem:
    file: str  # relative to its code root when under one
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@cache
def manifest() -> dict[str, ImageManifest]:
    images = json.loads(DATA_FILE.read_text(encoding="utf-8"))["images"]
    return {
        key: ImageManifest(
            key, **{**spec, "commands": tuple(spec["commands"]), "sources": tuple(spec["sources"])}
        )
        for key, spec in images.items()
    }


def manifest_entry(image_uri: str) -> ImageManifest:
    """The entry for `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`: by repository and
    tag only, as `sagemaker.core.image_uris` renders the same image from other accounts per region."""
    match = _URI.fullmatch(image_uri)
    if match is None:
        raise ValueError(
            f"image {image_uri!r} is not <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>"
        )
    name = f"{match['repository']}:{match['tag']}"
    images = manifest()
    found = images.get(name) or next((e for k, e in images.items() if fnmatch.fnmatchcase(name, k)), None)
    if found is None:
        raise ValueError(
            f"image {image_uri!r} ({name}) is not in {DATA_FILE}; known images: {', '.join(images)}"
        )
    return found


def check_entrypoint(image_uri: str, command: list[str]) -> list[str]:
    """A ContainerEntrypoint whose executable the image lacks fails at container start on AWS."""
    image = manifest_entry(image_uri)
    if image.builtin:
        return []
    if not command:
        return [f"empty ContainerEntrypoint for {image.key}"]
    if Path(command[0]).name in image.commands:
        return []
    return [
        f"ContainerEntrypoint starts {command[0]!r}, which {image.key} does not have on its PATH"
        f" (it has: {', '.join(image.commands)})"
    ]


def write_shim(bin_dir: Path, image_uri: str) -> Path:
    """`python3` and `python` in `bin_dir` that stand in for the image's interpreter (image_python.py)."""
    manifest_entry(image_uri)  # an unknown image fails here, not at the job's first python3
    bin_dir.mkdir(parents=True, exist_ok=True)
    command = shlex.join([sys.executable, "-P", str(IMAGE_PYTHON.resolve()), image_uri, "--"])
    text = f"#!/bin/sh\n# python as in {image_uri}: checks our code against its manifest first\n"
    text += f'exec {command} "$@"\n'
    for name in ("python3", "python"):
        (bin_dir / name).write_text(text, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def check_code(
    image_uri: str, entry: str, code_roots: list[Path], *, script: bool = False
) -> list[CodeProblem]:
    """What would fail in the image when it runs `entry` (`python -m entry`; with `script`, a path
    relative to the first code root): constructs newer than its Python, imports of what it neither
    has in its standard library nor ships nor finds in the code roots, and own modules missing
    from the code roots (a model's `code/` without a module it imports)."""
    image = manifest_entry(image_uri)
    if image.builtin:
        return []
    roots = list(dict.fromkeys(Path(root).resolve() for root in code_roots))
    located = _locate(image, entry, roots, script)
    if isinstance(located, list):
        return located
    root, module = located
    roots = list(dict.fromkeys([root, *roots]))  # files are shown relative to the module's own root
    try:
        found = graph(root, module, OWN)
    except SyntaxError as error:
        return [
            CodeProblem(_shown(Path(error.filename or entry), roots), error.lineno, f"syntax: {error.msg}")
        ]
    sites: dict[Path, list[ImportSite]] = defaultdict(list)
    for site in found.external:
        sites[site.file].append(site)
    problems: list[CodeProblem] = []
    for path in found.files.values():
        tops = tuple(sorted({site.module.split(".")[0] for site in sites[path]}))
        versions, verdicts = _file_report(image.key, path.read_text(encoding="utf-8"), tops)
        shown, clauses = _shown(path, roots), dict(verdicts)
        problems += [CodeProblem(shown, line, message) for line, message in versions]
        for site in sites[path]:
            top = site.module.split(".")[0]
            if (clause := clauses[top]) and not _in_roots(top, roots):
                problems.append(CodeProblem(shown, site.line, f"imports {top}{clause}"))
    problems += _missing_own(root, module, roots)
    return sorted(dict.fromkeys(problems), key=lambda problem: (problem.file, problem.line or 0))


def _locate(
    image: ImageManifest, entry: str, roots: list[Path], script: bool
) -> tuple[Path, str] | list[CodeProblem]:
    """The code root and module name `entry` runs as, or what is wrong (nothing: not ours to check)."""
    if script:
        path = roots[0] / entry if roots else Path(entry)
        if not path.is_file():
            return [CodeProblem(entry, None, f"can't open file {str(path)!r}")]
        return (roots[0], ".".join(Path(entry).with_suffix("").parts)) if path.suffix == ".py" else []
    for root in roots:
        base = root.joinpath(*entry.split("."))
        if (base / "__main__.py").is_file():
            return root, f"{entry}.__main__"
        if base.with_suffix(".py").is_file():
            return root, entry
    clause = _verdict(image.key, entry.split(".")[0])
    if clause is None:  # `python -m pip`, `-m json.tool`: what the image has
        return []
    return [
        CodeProblem(
            entry, None, f"no module {entry} in the code roots ({', '.join(map(str, roots))}): {clause}"
        )
    ]


@lru_cache(maxsize=4096)
def _file_report(
    image_key: str, source: str, tops: tuple[str, ...]
) -> tuple[tuple[tuple[int | None, str], ...], tuple[tuple[str, str | None], ...]]:
    """Python-version problems of one file in one image, and the verdict on each top-level name it
    imports; per (image, content), in this process and on disk, so a run's many jobs pay once."""
    key = "\0".join([_fingerprint(), image_key, source, *tops])
    cached = CACHE_DIR / f"{hashlib.sha256(key.encode()).hexdigest()}.json"
    try:
        versions, verdicts = json.loads(cached.read_text(encoding="utf-8"))
        return tuple((line, message) for line, message in versions), tuple((t, v) for t, v in verdicts)
    except (OSError, ValueError):
        pass
    image = manifest()[image_key]
    result = (tuple(_python_problems(image, source)), tuple((top, _verdict(image_key, top)) for top in tops))
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=CACHE_DIR, delete=False, encoding="utf-8") as out:
            json.dump(result, out)
        os.replace(out.name, cached)  # atomic: parallel jobs never read half a file
    except OSError:
        pass  # a cache we cannot write only costs time
    return result


@cache
def _fingerprint() -> str:
    """The checker, the manifest and the venv whose metadata maps imports: a change to any is a miss."""
    parts = [Path(__file__).read_bytes(), DATA_FILE.read_bytes(), sys.prefix.encode()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _python_problems(image: ImageManifest, source: str) -> list[tuple[int | None, str]]:
    problems = []
    for line, construct, needs in _vermin_findings(source):
        if needs is None:
            problems.append((line, f"{construct} is not available in Python 3"))
        elif needs > image.python_version:
            message = f"{construct} needs Python {needs[0]}.{needs[1]}; {image.key} has Python {image.python}"
            problems.append((line, message))
    return problems


def _vermin_findings(source: str) -> list[tuple[int | None, str, tuple[int, int] | None]]:
    """(line, construct, minimum Python 3) per construct vermin finds (https://github.com/netromdk/vermin).

    `union-types` is opt-in because vermin cannot tell `X | Y` on types from `|` on numbers; we keep
    only the unions Python evaluates. Vermin skips return and variable annotations but not argument
    annotations, which `from __future__ import annotations` (PEP 563) leaves unevaluated too."""
    import vermin  # here: most of a check's cost, paid only on a cache miss

    config = vermin.Config()
    config.enable_feature("union-types")
    config.set_eval_annotations(False)
    config.set_format(vermin.formats.ParsableFormat())
    visitor = vermin.visit(source, config, path="-")
    if not isinstance(visitor, vermin.SourceVisitor):  # unparsable: the versions that could parse it
        return [(None, "this file's syntax", visitor[1])]
    unions = _evaluated_unions(source)
    findings: list[tuple[int | None, str, tuple[int, int] | None]] = []
    for text in visitor.output_text().splitlines():  # path:line:column:py2:py3:feature
        _path, line, _column, _py2, py3, feature = text.split(":", 5)
        number = int(line) if line else None
        if py3.startswith("~"):
            continue
        if feature.startswith("union types"):
            if number not in unions:
                continue
            feature = f"`{unions[number]}` (a union type, evaluated)"
        elif kwarg := re.fullmatch(r"'([\w.]+)\((\w+)\)'", feature):
            feature = f"{kwarg[1]}({kwarg[2]}=...)"
        needs = None if py3.startswith("!") else (int(py3.split(".")[0]), int(py3.split(".")[1]))
        findings.append((number, feature.replace("'", "`"), needs))
    return findings


def _evaluated_unions(source: str) -> dict[int, str]:
    """Line -> text of each outermost `A | B` Python evaluates (annotations are not, under PEP 563)."""
    tree = ast.parse(source)
    lazy = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and "annotations" in {a.name for a in node.names}
        for node in tree.body
    )
    skipped: set[int] = set()
    for node in ast.walk(tree) if lazy else ():
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            skipped.add(id(node.annotation))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            skipped.add(id(node.returns))
    unions: dict[int, str] = {}
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if id(node) in skipped:
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            unions.setdefault(node.lineno, ast.get_source_segment(source, node) or "X | Y")
            continue
        pending.extend(ast.iter_child_nodes(node))
    return unions


@lru_cache(maxsize=1024)
def _verdict(image_key: str, top: str) -> str | None:
    """None if `import top` works in the image without our code; else why not, as a clause."""
    image = manifest()[image_key]
    if top in _stdlib(image.python or "3.12"):
        return None
    installed = sorted({_normalize(d) for d in _distributions().get(top, ())})
    # the venv's metadata (sklearn -> scikit-learn), a vendored copy, or a module named as its package
    candidates = {*installed, _normalize(top), *([image.modules[top]] if top in image.modules else [])}
    if candidates & image.packages.keys():
        return None
    if installed:
        named = "" if installed == [_normalize(top)] else f" (from {', '.join(installed)})"
        return f"{named}, which {image.key} does not ship ({image.summary()})"
    return (
        f", which is not in Python {image.python}'s standard library, nor in any installed distribution"
        " or code root"
    )


@cache
def _stdlib(python: str) -> frozenset[str]:
    import stdlib_list  # https://github.com/pypi/stdlib-list: module names per CPython version

    return frozenset(name.split(".")[0] for name in stdlib_list.stdlib_list(python))


@cache
def _distributions() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def _in_roots(top: str, roots: list[Path]) -> bool:
    return any((root / top).is_dir() or (root / f"{top}.py").is_file() for root in roots)


def _shown(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return str(path)


def _missing_own(root: Path, module: str, roots: list[Path]) -> list[CodeProblem]:
    """Own modules imported but absent from the code root: ModuleNotFoundError in the container."""
    return [
        CodeProblem(
            _shown(m.file, roots),
            m.line,
            f"imports {m.module}, but the code root {root} has no {m.module.replace('.', '/')}.py "
            f"nor {m.module.replace('.', '/')}/__init__.py",
        )
        for m in missing_own_modules(root, module, OWN)
    ]
