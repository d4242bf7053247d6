"""The layers import only downwards (docs/ARCHITECTURE.md): checked on the source itself.

cogs -> bot -> news, storage; storage may use news' text basics; news imports neither
bot, cogs nor storage. Only storage talks to SQLite and only bot and cogs talk to
Discord, so a second database or a second front end touches one layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "cogs", "news", "storage")

# package -> top-level modules it must never import (at any depth, lazily included)
FORBIDDEN = {
    "news": {"bot", "cogs", "storage", "discord", "sqlite3", "aiosqlite", "asyncpg"},
    "storage": {"bot", "cogs", "discord"},
    "bot": {"cogs", "sqlite3", "aiosqlite", "asyncpg"},
    "cogs": {"sqlite3", "aiosqlite", "asyncpg"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_every_package_is_checked() -> None:
    for package in PACKAGES:
        assert _modules(package), f"{package}/ has no modules"


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_down(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _modules(package)
        for line, name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert not wrong, "layer rule broken:\n" + "\n".join(wrong)


def test_tests_do_not_import_the_benchmarks() -> None:
    # A fresh clone runs the suite; bench/ is for measurements and may change freely.
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _modules("tests")
        for line, name in _imports(path)
        if name.split(".")[0] == "bench"
    ]
    assert not wrong, "tests depend on bench/:\n" + "\n".join(wrong)


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom bot.desk import NewsDesk\n", encoding="utf-8")
    assert (2, "bot.desk") in _imports(sample)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_over_600_lines(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules(package)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not long, f"split these modules: {long}"
