"""The ``newsbot`` command line, a thin layer over the application (:mod:`bot.app`).

One module per command group (``articles``, ``ask``, ``digest``, ``feed``, ``db``,
``doctor``, ``run``), the root group and its ``--db`` in ``main``, the options several
commands share in ``options``, everything printed as JSON in ``output``, and what is
read from people and files in ``input``. ``main`` names the command modules and imports
each when its command runs; none of them imports ``main``, so the package has no import
circle.
"""

from __future__ import annotations

from bot.app.workers import POOL_THRESHOLD
from bot.cli.main import cli, main

__all__ = ["POOL_THRESHOLD", "cli", "main"]
