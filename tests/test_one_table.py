"""`stacks.cases.ALL` is the only table of case studies: no other module spells a case's id, stack
name, short name or data folder. A list keyed by case id elsewhere (a second table) is what made a
new case need edits in about 15 files, several failing silently when forgotten."""

from __future__ import annotations

import ast
from pathlib import Path

from stacks.cases import ALL

REPO = Path(__file__).resolve().parents[1]
# Where per-case knowledge must not appear: the runtime, the benchmarks and the CDK app outside the
# case objects. (Each case's ml_code folder is its own code; tests and docs may name cases.)
SCANNED = ("local_runtime", "stacks", "bench", "app.py")
EXCLUDED = ("stacks/cases",)


def _tokens() -> dict[str, str]:
    found: dict[str, str] = {}
    for case in ALL:
        found |= {case.id: case.id, case.short_name: case.id}
        found[f"{case.local.folder}/"] = case.id
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = REPO / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [f for f in files if not any(f.relative_to(REPO).as_posix().startswith(e) for e in EXCLUDED)]


def _names_a_case(text: str, token: str) -> bool:
    if token.endswith("/"):  # a data folder: as a path prefix anywhere in the string
        return token in text
    words = text.replace("/", " ").replace(".", " ").split()
    # a stack or endpoint name ends in the case's id or short name: `mlcases-dev-fraud-detection`
    return text == token or token in words or any(w.endswith(f"-{token}") for w in words)


def offenders(files: list[Path], root: Path) -> list[str]:
    """`file:line: 'literal' names <case>` for every string constant (docstrings aside) naming a case."""
    tokens, found = _tokens(), []
    for path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
                continue
            for token, case in tokens.items():
                if _names_a_case(node.value, token):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value!r} names {case}")
    return found


def test_no_module_outside_the_case_objects_names_a_case() -> None:
    found = offenders(_files(), REPO)
    assert not found, (
        "per-case knowledge outside stacks/cases (derive it from stacks.cases.ALL, or make it a field of "
        "the CaseStudy):\n" + "\n".join(found)
    )


def test_a_second_table_is_found(tmp_path: Path) -> None:
    """The check can fail: tables keyed by a case's id, stack name or data folder are all found."""
    case = ALL[0]
    module = tmp_path / "table.py"
    module.write_text(
        f'"""A docstring may mention {case.id}."""\n'
        f'TABLE = {{"{case.id}": 1, "mlcases-dev-{case.id}": 2}}\n'
        f'DATA = "{case.local.raw_files[0]}"\n'
        'OTHER = "not a case"\n'
    )
    assert sorted(line.split(": ", 1)[1] for line in offenders([module], tmp_path)) == sorted(
        [
            f"{case.id!r} names {case.id}",
            f"{'mlcases-dev-' + case.id!r} names {case.id}",
            f"{case.local.raw_files[0]!r} names {case.id}",
        ]
    )
