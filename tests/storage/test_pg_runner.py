"""Shards claimed in PostgreSQL: no two bot processes run one shard, or disagree on how
many shards there are; a stopped process's shards are free again."""

from __future__ import annotations

import pytest

from storage.backend import hold_runner
from storage.errors import StorageError
from storage.shards import Shards
from tests.harness.postgres import drop_database, fresh_database, require_postgres


@pytest.fixture
async def url():
    base = require_postgres()
    made = await fresh_database(base)
    yield made
    await drop_database(base, made)


async def test_a_shard_runs_in_one_process_only(url) -> None:
    async with hold_runner(url, Shards((0, 1), 4)):
        with pytest.raises(StorageError, match=r"Shard 1 of 4 is already run by another"):
            async with hold_runner(url, Shards((1, 2), 4)):
                pass
        # The other half is free, and the refused claim kept none of its shards.
        async with hold_runner(url, Shards((2, 3), 4)):
            pass
        async with hold_runner(url, Shards((2,), 4)):
            pass
    # The first process stopped: its shards are free again.
    async with hold_runner(url, Shards((0, 1), 4)):
        pass


async def test_processes_must_agree_on_the_number_of_shards(url) -> None:
    async with hold_runner(url, Shards((0,), 2)):
        with pytest.raises(StorageError, match=r"runs with 2 shards; this one was started with 4"):
            async with hold_runner(url, Shards((3,), 4)):
                pass


async def test_without_shards_a_second_process_is_refused(url) -> None:
    async with hold_runner(url, None):
        with pytest.raises(StorageError, match=r"Shard 0 of 1 is already run"):
            async with hold_runner(url, None):
                pass
