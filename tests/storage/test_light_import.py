"""Opening a store loads no answer engine: storage reads its caps and types from
news.domain, which imports only the standard library.

A store used to import news.retrieval for one constant, which pulled in the answer
engine and its weight files on every start of the command line. Checked in a fresh
interpreter, since this test process has long since imported everything.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import asyncio, json, sys, tempfile
from pathlib import Path
from storage.backend import open_stores

async def main():
    with tempfile.TemporaryDirectory() as tmp:
        stores = await open_stores(Path(tmp) / "probe.db")
        await stores.articles.count(None)
        await stores.close()

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""

HEAVY = ("news.answer", "news.retrieval", "news.weights", "bot", "discord", "trafilatura")


def _loaded(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_opening_a_store_loads_no_answer_engine() -> None:
    loaded = _loaded(PROBE)
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert not heavy, f"opening a store loaded {heavy}"


def test_the_probe_would_see_the_engine() -> None:
    # The check above means something only if importing the engine shows in the list.
    loaded = _loaded(
        "import json, sys\nimport news.retrieval\nprint(json.dumps(sorted(sys.modules)))"
    )
    assert "news.answer" in loaded and "news.retrieval" in loaded


def test_the_domain_types_import_only_the_standard_library() -> None:
    tree = ast.parse((ROOT / "news" / "domain.py").read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    outside = {name for name in imported if name not in sys.stdlib_module_names}
    assert not outside, f"news/domain.py imports {outside}"
