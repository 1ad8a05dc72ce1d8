"""The import graph of a module, read from source (nothing is imported): which of our own files it
needs, and which other top-level packages it imports.

Used twice: training copies an inference module and its own-code closure into `<model>/code/`
(what the PyTorch serving container imports, see `bundle_inference_code`), and the local runtime
checks a module's closure against what its container image ships before running it. Imports under
`if TYPE_CHECKING:` are not run, so they do not count.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ImportSite:
    module: str  # the imported name, absolute (`numpy`, `ml_code.common.io`)
    file: Path
    line: int


@dataclass
class ImportGraph:
    """`files`: our own modules in the closure (module name -> file), packages' `__init__` included;
    `external`: every import of another top-level package, with where it happens."""

    files: dict[str, Path] = field(default_factory=dict)
    external: list[ImportSite] = field(default_factory=list)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except the bodies of `if TYPE_CHECKING:` blocks."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)
    return found


@dataclass(frozen=True)
class Imported:
    name: str  # absolute
    line: int
    module_only: bool  # False for `b` of `from a import b`: b may be a module or a name bound in a


def imports_of(path: Path, module: str) -> list[Imported]:
    """What `path` (the module `module`, for relative imports) imports at run time; `from a import b`
    yields `a` and `a.b`, the latter possibly a name rather than a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Imported] = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.extend(Imported(alias.name, node.lineno, True) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            if base == "__future__":
                continue
            found.append(Imported(base, node.lineno, True))
            found.extend(
                Imported(f"{base}.{alias.name}", node.lineno, False)
                for alias in node.names
                if alias.name != "*"
            )
    return found


def imported_names(path: Path, module: str) -> list[tuple[str, int]]:
    return [(item.name, item.line) for item in imports_of(path, module)]


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def graph(root: Path, module: str, own: tuple[str, ...] = ("ml_code",)) -> ImportGraph:
    """The closure of `module` (a file under the code root `root`) over our own packages `own`."""
    result = ImportGraph()
    pending = [module]
    while pending:
        name = pending.pop()
        parts = name.split(".")
        # importing a.b.c runs a/__init__.py and a/b/__init__.py first
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            if prefix in result.files:
                continue
            path = _module_file(root, prefix)
            if path is None:
                continue
            result.files[prefix] = path
            for imported, line in imported_names(path, prefix):
                if imported.split(".")[0] in own:
                    pending.append(imported)
                else:
                    result.external.append(ImportSite(imported, path, line))
    return result


@dataclass(frozen=True)
class Missing:
    module: str  # the first part of the import path with no file
    file: Path  # where it is imported
    line: int


def missing_own_modules(root: Path, module: str, own: tuple[str, ...] = ("ml_code",)) -> list[Missing]:
    """Own imports in the closure that resolve to no file under `root` (ModuleNotFoundError at run
    time). `from package import b` with no `b` module is fine when the package's __init__.py binds b."""
    found = graph(root, module, own)
    missing: list[Missing] = []
    for name, path in found.files.items():
        for item in imports_of(path, name):
            if item.name.split(".")[0] not in own or _module_file(root, item.name):
                continue
            parent, _, leaf = item.name.rpartition(".")
            if not item.module_only and _module_file(root, parent):
                init = _module_file(root, parent)
                bound = _bound_names(init) if init is not None and init.name == "__init__.py" else None
                if bound is None or leaf in bound:
                    continue  # a name of a module, or one the package binds
            first = item.name.split(".")
            depth = next(d for d in range(1, len(first) + 1) if not _module_file(root, ".".join(first[:d])))
            missing.append(Missing(".".join(first[:depth]), path, item.line))
    return sorted(set(missing), key=lambda m: (str(m.file), m.line, m.module))


def _bound_names(init: Path) -> set[str] | None:
    """Names a package's __init__.py may bind (any assignment, definition or import in it); None when
    a star import makes that unknowable."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any(alias.name == "*" for alias in node.names):
                return None
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    return names


def bundle_inference_code(
    code_root: Path, module: str, model_dir: Path, own: tuple[str, ...] = ("ml_code",)
) -> list[str]:
    """Copy `module` and the own modules it imports into `<model_dir>/code/`, the folder the
    SageMaker PyTorch serving container puts on `sys.path` before importing `SAGEMAKER_PROGRAM`
    (the SageMaker SDK's repack step does the same). Returns the copied modules."""
    target = model_dir / "code"
    shutil.rmtree(target, ignore_errors=True)
    files = graph(code_root, module, own).files
    for path in files.values():
        dest = target / path.relative_to(code_root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    return sorted(files)
