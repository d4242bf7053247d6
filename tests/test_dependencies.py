"""pyproject.toml names what the bot needs, so any supported pip installs a working bot.

A package the code imports but only gets through another package's requirements can
vanish when that package changes. And an extra requested with a spelling other than
the one its package publishes (``lxml[html_clean]`` against lxml's ``html-clean``) is
silently skipped by pip 23.2, the pip that comes with Python 3.11: what that extra
brings must then be named here directly.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = ("news", "bot", "cogs", "storage")


# Optional backends import packages of their extra only; the default install has none.
OPTIONAL = {
    "postgres": ROOT / "storage" / "postgres",
    "tantivy": ROOT / "storage" / "tantivy_index.py",
}


def _declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    specs = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(spec) for spec in specs]


def _declared_names(extra: str | None = None) -> set[str]:
    return {canonicalize_name(req.name) for req in _declared(extra)}


def _in_optional(path: Path) -> bool:
    return any(path.is_relative_to(folder) for folder in OPTIONAL.values())


def _imported_modules(extra: str | None = None) -> set[str]:
    found: set[str] = set()
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if (extra is None and _in_optional(path)) or (
                extra is not None and not path.is_relative_to(OPTIONAL[extra])
            ):
                continue
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - set(APP_PACKAGES)


def test_every_imported_package_is_declared() -> None:
    owners = metadata.packages_distributions()
    declared = _declared_names()
    missing = {
        module: owners.get(module)
        for module in _imported_modules()
        if not declared & {canonicalize_name(dist) for dist in owners.get(module, [module])}
    }
    assert not missing, f"imported but not in [project].dependencies: {missing}"


def test_an_optional_backend_imports_only_its_extra() -> None:
    owners = metadata.packages_distributions()
    for extra in OPTIONAL:
        declared = _declared_names() | _declared_names(extra)
        missing = {
            module
            for module in _imported_modules(extra)
            if not declared & {canonicalize_name(d) for d in owners.get(module, [module])}
        }
        assert not missing, f"imported by the {extra} backend but not in its extra: {missing}"
        assert _declared_names(extra), f"the {extra} extra declares nothing"


def _requirements(dist: str, extras: set[str]) -> list[Requirement]:
    out = []
    for spec in metadata.requires(dist) or []:
        req = Requirement(spec)
        if req.marker is None or any(
            req.marker.evaluate({"extra": extra}) for extra in extras | {""}
        ):
            out.append(req)
    return out


def test_misspelled_extras_in_the_dependency_tree_are_declared_directly() -> None:
    declared = _declared_names()
    seen: dict[str, set[str]] = {}
    queue = list(_declared())
    unmatched: list[str] = []
    while queue:
        req = queue.pop()
        name = canonicalize_name(req.name)
        try:
            published = set(metadata.metadata(name).get_all("Provides-Extra") or [])
        except metadata.PackageNotFoundError:
            continue  # a requirement whose marker does not apply here (another OS)
        extras: set[str] = set()
        for extra in req.extras:
            if extra in published:
                extras.add(extra)
                continue
            # Matched by a pip that normalises extra names (PEP 685) and by no other.
            spelled = {p for p in published if canonicalize_name(p) == canonicalize_name(extra)}
            base = {str(r) for r in _requirements(name, set())}
            for brought in _requirements(name, spelled):
                if str(brought) not in base and canonicalize_name(brought.name) not in declared:
                    unmatched.append(f"{req} needs {brought.name}")
            extras |= spelled
        if name in seen and extras <= seen[name]:
            continue
        seen[name] = seen.get(name, set()) | extras
        queue.extend(_requirements(name, seen[name]))
    assert not unmatched, f"declare these directly in pyproject.toml: {unmatched}"
