"""The tree is the architecture: imports go down the layers, Whoosh stays below the seam,
no package reaches into another's private modules, and the TUI has no import circle."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "search", "tui")

# Each layer may import the layers after it, never one before it.
LAYERS = [
    "search.cli",
    "search.service",
    "tui",
    "search.ask",
    "search.timeline",
    "search.engine",
    "index",
]
# The only places that may import Whoosh (or, later, a database driver).
BELOW_THE_SEAM = ("index", "search.engine._")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield _module_name(path), path


def _imports(name: str, path: Path) -> Iterator[tuple[str, bool]]:
    """(imported module, at top level) for every import in the module's source."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, id(node) in top) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, id(node) in top
            # `from search.engine import _whoosh` names a module too
            yield from ((f"{base}.{alias.name}", id(node) in top) for alias in node.names)


def _layer(module: str) -> int | None:
    for rank, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return rank
    return None


MODULES = list(_modules())


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_imports_only_go_down(name: str, path: Path) -> None:
    own = _layer(name)
    if own is None:  # the `search` and `search._render` glue sit with the CLI
        own = 0
    for imported, top_level in _imports(name, path):
        other = _layer(imported)
        if other is None or other >= own:
            continue
        # The one way up: the `tui` command of the CLI opens the UI, imported lazily.
        lazy_tui = name == "search.cli" and imported.startswith("tui") and not top_level
        assert lazy_tui, f"{name} imports {imported}, a layer above it"


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_nothing_above_the_seam_imports_whoosh(name: str, path: Path) -> None:
    if name.startswith(BELOW_THE_SEAM):
        return
    for imported, _ in _imports(name, path):
        assert imported.split(".")[0] != "whoosh", f"{name} imports {imported}"


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_no_reaching_into_private_modules(name: str, path: Path) -> None:
    """`search.ask._tables` is `search.ask`'s own business; others use its `__all__`."""
    for imported, _ in _imports(name, path):
        parts = imported.split(".")
        private = [i for i, part in enumerate(parts) if part.startswith("_") and i]
        if not private or parts[0] not in PACKAGES:
            continue
        owner = ".".join(parts[: private[0]])
        assert name == owner or name.startswith(owner + "."), f"{name} imports {imported}"


def test_no_import_circle_in_the_tui() -> None:
    for name, path in MODULES:
        if name.startswith("tui.") and name != "tui.app":
            reached = {imported for imported, _ in _imports(name, path)}
            assert "tui.app" not in reached, f"{name} imports the app module"


def test_every_package_declares_its_public_names() -> None:
    for path in sorted(p for package in PACKAGES for p in (ROOT / package).rglob("__init__.py")):
        if path.parent.name == "sample":  # a data folder
            continue
        tree = ast.parse(path.read_text("utf-8"))
        assert ast.get_docstring(tree), f"{path} says nothing about what it is"
        names = [
            t.id
            for n in tree.body
            if isinstance(n, ast.Assign | ast.AnnAssign)
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Name)
        ]
        assert "__all__" in names, f"{path} has no __all__"


def test_cli_import_loads_neither_textual_nor_answering() -> None:
    code = (
        "import sys, search.cli;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'tui', 'babel'}),"
        " sorted(m for m in sys.modules if m.startswith(('search.ask', 'search.timeline'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] []"


def test_every_package_is_installed() -> None:
    """A sub-package missing from pyproject.toml works from the checkout and not installed."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {_module_name(p) for package in PACKAGES for p in (ROOT / package).rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_cli_start_pays_for_no_unused_import() -> None:
    """Whoosh's `urllib.request` (http, email, ssl) and `cached_property` (asyncio) are
    stood in for while it is imported (`index/_imports.py`), and released afterwards."""
    code = (
        "import sys, search.cli;"
        "print(sorted({'urllib.request', 'asyncio', 'cached_property', 'ssl'} & set(sys.modules)));"
        "import urllib.request; print(urllib.request.urlopen.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "urllib.request"]
