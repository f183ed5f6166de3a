"""The imports point one way: bot -> handlers -> {knowledge, storage}."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBRARIES = {"slack_bolt", "slack_sdk", "telegram"}
FORBIDDEN = {
    "handlers": {"bot"} | PLATFORM_LIBRARIES,
    "knowledge": {"bot", "handlers", "storage"} | PLATFORM_LIBRARIES,
    "storage": {"bot", "handlers", "knowledge"} | PLATFORM_LIBRARIES,
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {name: roots for name, roots in offenders.items() if roots} == {}


def test_the_walker_sees_imports(tmp_path: Path) -> None:
    # Guard against a walker that finds nothing and so passes everything.
    sample = tmp_path / "sample.py"
    sample.write_text("import telegram.ext\nfrom bot.app import build_app\n", encoding="utf-8")
    assert imported_roots(sample) == {"telegram", "bot"}
