"""The import graph read from source: what a module needs of ours, and what else it imports."""

from __future__ import annotations

from pathlib import Path

from ml_code.common import imports


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_closure_follows_own_imports_and_packages(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pkg/__init__.py": "import json\n",
            "pkg/a.py": "from pkg import b\nfrom pkg.sub import c\nimport numpy as np\n",
            "pkg/b.py": "from . import c as local_c\n",
            "pkg/c.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import torch\n",
            "pkg/unused.py": "import matplotlib\n",
        },
    )
    found = imports.graph(root, "pkg.a", own=("pkg",))
    assert sorted(found.files) == ["pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.sub", "pkg.sub.c"]
    externals = {(site.module.split(".")[0], site.line) for site in found.external}
    assert ("numpy", 3) in externals and ("json", 1) in externals
    assert not {m for m, _ in externals} & {"torch", "matplotlib"}  # TYPE_CHECKING, unreachable


def test_a_missing_own_module_is_named(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pkg/__init__.py": "name_in_init = 1\n",
            "pkg/a.py": "import pkg.gone\nfrom pkg import name_in_init\nfrom pkg import lost\n"
            "from pkg.b import x\n",
            "pkg/b.py": "x = 1\n",
        },
    )
    missing = imports.missing_own_modules(root, "pkg.a", own=("pkg",))
    assert [(m.module, m.line) for m in missing] == [("pkg.gone", 1), ("pkg.lost", 3)]


def test_bundling_copies_the_closure_only(tmp_path: Path) -> None:
    root = write(
        tmp_path / "src",
        {
            "pkg/__init__.py": "",
            "pkg/serve.py": "from pkg import util\n",
            "pkg/util.py": "",
            "pkg/train.py": "",
        },
    )
    copied = imports.bundle_inference_code(root, "pkg.serve", tmp_path / "model", own=("pkg",))
    assert copied == ["pkg", "pkg.serve", "pkg.util"]
    code = tmp_path / "model" / "code"
    assert sorted(p.relative_to(code).as_posix() for p in code.rglob("*.py")) == [
        "pkg/__init__.py",
        "pkg/serve.py",
        "pkg/util.py",
    ]
