"""The old address of the desk, kept only for ``bench/scale.py``, which issue 24 is
reworking (its imports are that issue's to change). The application is ``bot/app/``;
nothing else imports this module (``tests/test_layers.py`` checks), and it goes once
``bench/scale.py`` imports :mod:`bot.app`."""

from __future__ import annotations

from bot.app.desk import NewsDesk
from bot.app.drafts import AddResult, Draft
from bot.app.workers import process_pool

__all__ = ["AddResult", "Draft", "NewsDesk", "process_pool"]
