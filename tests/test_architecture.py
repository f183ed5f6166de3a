"""The imports point one way: bot -> handlers -> {knowledge, storage}; SQL stays in storage, and the
platform adapters only translate (no database)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBRARIES = {"slack_bolt", "slack_sdk", "telegram"}
# Folder -> the top-level modules nothing under it may import.
FORBIDDEN = {
    "handlers": {"bot", "sqlalchemy"} | PLATFORM_LIBRARIES,
    "knowledge": {"bot", "handlers", "storage"} | PLATFORM_LIBRARIES,
    "storage": {"bot", "handlers", "knowledge"} | PLATFORM_LIBRARIES,
    "bot/telegram": {"storage"},
    "bot/slack": {"storage"},
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


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_package_imports_point_one_way(folder: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[folder])
        for path in sources(folder)
    }
    assert {name: roots for name, roots in offenders.items() if roots} == {}


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_the_walker_finds_every_folder(folder: str) -> None:
    # A renamed or moved folder would leave its rule checking nothing, and passing.
    assert sources(folder), f"no Python files under {folder}/"


def test_the_walker_sees_imports(tmp_path: Path) -> None:
    # Guard against a walker that finds nothing and so passes everything.
    sample = tmp_path / "sample.py"
    sample.write_text("import telegram.ext\nfrom bot.app import build_app\n"
                      "def later() -> None:\n    from sqlalchemy import select\n    import storage.models\n",
                      encoding="utf-8")
    assert imported_roots(sample) == {"telegram", "bot", "sqlalchemy", "storage"}
