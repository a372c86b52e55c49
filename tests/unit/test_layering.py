"""The architecture rules of pyproject.toml [tool.importlinter], checked as a test."""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_DOMAIN = ("litestar", "sqlalchemy", "alembic", "transitions", "msgspec", "api")


def test_import_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports() == 0


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_import_no_framework_even_lazily():
    """Also catches imports inside functions, which a module-level scan would miss."""
    modules = sorted((ROOT / "tracker" / "domain").glob("*.py"))
    assert modules
    for module in modules:
        assert not (_imported_roots(module) & set(FORBIDDEN_IN_DOMAIN)), module.name
