"""Fitted weights, shipped as JSON package data and loaded once at import time.

The fitters in ``bench/`` write these files with :func:`save`; the engine reads them
with :func:`load`. A missing or malformed file stops the program at start-up with a
message naming the file: answering with other weights than the fitted ones would
quietly change every answer.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["WeightsError", "load", "path_of", "save", "table"]


class WeightsError(RuntimeError):
    """A weights file is missing, unreadable or not what the engine expects."""


def path_of(name: str) -> Path:
    """Where the weights file ``name`` lives in the source tree (for the fitters)."""
    return Path(__file__).with_name(f"{name}.json")


def load(name: str, *, expect: frozenset[str] | None = None) -> dict[str, Any]:
    """The JSON object in ``news/weights/<name>.json``.

    Every value under the ``"weights"`` key (and under each table in it) must be a
    finite number; with ``expect``, every key of ``"weights"`` must be in it, so a file
    fitted for another feature set is refused rather than half-used.
    """
    resource = resources.files("news.weights").joinpath(f"{name}.json")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WeightsError(f"weights file news/weights/{name}.json is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise WeightsError(f"weights file news/weights/{name}.json is unreadable: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("weights"), dict):
        raise WeightsError(f'weights file news/weights/{name}.json has no "weights" object')
    _check_numbers(name, data["weights"])
    if expect is not None:
        unknown = sorted(set(data["weights"]) - expect)
        if unknown:
            raise WeightsError(
                f"weights file news/weights/{name}.json names unknown features: "
                + ", ".join(unknown[:5])
            )
    return data


def table(name: str, tables: dict[str, Any], key: str, names: tuple[str, ...]) -> dict[str, float]:
    """The table ``key`` of a loaded file, holding exactly ``names``, as floats.

    A table fitted for another set of features or signals is refused, naming what is
    missing and what is unknown, rather than half-used.
    """
    where = f"weights file news/weights/{name}.json"
    got = tables.get(key)
    if not isinstance(got, dict):
        raise WeightsError(f'{where} has no "{key}" table')
    missing = [n for n in names if n not in got]
    unknown = sorted(set(got) - set(names))
    if missing or unknown:
        raise WeightsError(
            f"{where}: the {key} table does not fit the engine "
            f"(missing: {', '.join(missing[:5]) or '-'}; unknown: {', '.join(unknown[:5]) or '-'})"
        )
    return {n: float(got[n]) for n in names}


def _check_numbers(name: str, table: dict[str, Any], where: str = "weights") -> None:
    for key, value in table.items():
        if isinstance(value, dict):
            _check_numbers(name, value, f"{where}.{key}")
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise WeightsError(
                f"weights file news/weights/{name}.json: {where}.{key} is not a finite number"
            )


def save(name: str, weights: dict[str, Any], **meta: Any) -> Path:
    """Write ``weights`` (and ``meta``: how they were fitted, the CV score) for :func:`load`."""
    path = path_of(name)
    body = {**meta, "weights": weights}
    path.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path
