"""The layers import only downwards (docs/ARCHITECTURE.md): checked on the source itself.

An allow-list, not a deny-list: each package names what it may import, of ours and of
third parties, so a new kind of dependency is a decision made here, not a surprise.

    cogs  -> bot (the application, rendering, the client), news
    bot   -> news, storage
    storage -> the stdlib-only domain types and text basics of news
    news  -> nothing of ours
    bench -> any of the four, and tests/harness

Only storage talks to the database drivers and only bot and cogs talk to Discord, so a
second database or a second front end touches one layer. No package has an import
circle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "cogs", "news", "storage", "bench")
OURS = {"bot", "cogs", "news", "storage", "bench", "tests"}

# package -> the modules of ours it may import (a name allows it and its submodules)
ALLOWED_OURS = {
    "news": {"news"},
    # The store loads no answer engine: only the domain types, the text basics it
    # normalises with, the snippets it cuts for /news search on Tantivy (FTS5 cuts its
    # own), and the TextIndex Protocol it implements.
    "storage": {
        "storage",
        "news.domain",
        "news.errors",
        "news.search",
        "news.snippet",
        "news.text",
        "news.urls",
        "news.words",
    },
    "bot": {"bot", "news", "storage"},
    # Cogs reach storage only through the application (bot.app); they never import it.
    "cogs": {"cogs", "bot", "news"},
    "bench": {"bench", "bot", "news", "storage", "tests.harness"},
}

# package -> the third-party top-level modules it may import
ALLOWED_THIRD_PARTY = {
    "news": {"aiohttp", "feedparser", "re2", "trafilatura", "yarl"},
    "storage": {"aiosqlite", "asyncpg", "tantivy", "yarl"},
    "bot": {"aiohttp", "apscheduler", "click", "discord", "dotenv"},
    "cogs": {"aiohttp", "discord"},
    "bench": {"aiohttp", "asyncpg", "numpy", "psutil", "rouge_score"},
}

# The command line reaches storage for what is not a use case: where a database is
# (a file that does not exist yet), its errors, the copy into PostgreSQL, and the
# search index's upkeep (`newsbot index`: which index, rebuild, check), which works on
# the SQLite file itself.
CLI_STORAGE = {
    "storage.backend",
    "storage.db",
    "storage.errors",
    "storage.postgres.copy",
    "storage.search_index",
}

# Long modules still to split at their seams: none.
OTHERS_TO_SPLIT: set[Path] = set()

# Import circles allowed, each with the reason: none.
ALLOWED_CYCLES: list[set[str]] = []


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Lines of imports under ``if TYPE_CHECKING:``: never run, so never a dependency."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for sub in ast.walk(child):
                    if hasattr(sub, "lineno"):
                        lines.add(sub.lineno)
    return lines


def _imports(path: Path, *, runtime: bool = False) -> list[tuple[int, str]]:
    """Every absolute import of ``path`` (at any depth, lazy ones included); with
    ``runtime``, those under ``if TYPE_CHECKING:`` left out. ``from a import b`` names
    ``a.b`` when that is a module of ours, so a package's submodules are told apart."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _type_checking_lines(tree) if runtime else set()
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.append((node.lineno, full if _module_path(full) else node.module))
    return found


def _module_path(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _within(name: str, allowed: set[str]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


def test_every_package_is_checked() -> None:
    for package in PACKAGES:
        assert _modules(package), f"{package}/ has no modules"


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_are_on_the_allow_list(package: str) -> None:
    wrong = []
    for path in _modules(package):
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            allowed = _within(name, ALLOWED_OURS[package]) or top in ALLOWED_THIRD_PARTY[package]
            if not allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not wrong, "layer rule broken:\n" + "\n".join(wrong)


def test_the_command_line_calls_use_cases_not_stores() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _modules("bot/cli")
        for line, name in _imports(path)
        if name.split(".")[0] == "storage" and not _within(name, CLI_STORAGE)
    ]
    assert not wrong, "the CLI reaches storage:\n" + "\n".join(wrong)


@pytest.mark.parametrize("folder", ["cogs", "bot/cli"])
def test_cogs_and_the_command_line_never_touch_the_desks_stores(folder: str) -> None:
    # NewsDesk.stores and .store are the backend behind the use cases, for the wiring,
    # tests and benchmarks.
    wrong = []
    for path in _modules(folder):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("stores", "store"):
                owner = ast.unparse(node.value)
                if owner.endswith("desk"):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {owner}.{node.attr}")
    assert not wrong, "use the use cases instead:\n" + "\n".join(wrong)


def test_tests_do_not_import_the_benchmarks() -> None:
    # A fresh clone runs the suite; bench/ is for measurements and may change freely.
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _modules("tests")
        for line, name in _imports(path)
        if name.split(".")[0] == "bench"
    ]
    assert not wrong, "tests depend on bench/:\n" + "\n".join(wrong)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in _modules(package):
            edges = graph.setdefault(_module_name(path), set())
            for _, name in _imports(path, runtime=True):
                if name.split(".")[0] in OURS and _module_path(name) is not None:
                    edges.add(name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    circles = [c for c in _cycles(_graph()) if c not in ALLOWED_CYCLES]
    assert not circles, "import circles: " + "; ".join(" <-> ".join(sorted(c)) for c in circles)


def test_the_cycle_check_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [{"a", "b", "c"}]


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom typing import TYPE_CHECKING\nfrom bot.app.desk import NewsDesk\n"
        "if TYPE_CHECKING:\n    from cogs.ask import Ask\n",
        encoding="utf-8",
    )
    assert (3, "bot.app.desk.NewsDesk") not in _imports(sample)
    assert (3, "bot.app.desk") in _imports(sample)
    assert (5, "cogs.ask.Ask") not in _imports(sample)
    assert (5, "cogs.ask") in _imports(sample)
    assert (5, "cogs.ask") not in _imports(sample, runtime=True)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_over_600_lines(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules(package)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 600
        and path not in OTHERS_TO_SPLIT
    }
    assert not long, f"split these modules: {long}"
