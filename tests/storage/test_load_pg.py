"""Two desks on one PostgreSQL database write, read and race for digest slots: nothing lost,
no error, every digest slot posted once.

A short run of what ``bench.load --backend postgres --processes 2`` runs for longer: each
desk has its own connection pool, as two bot processes would, with writers, readers and
two digest racers going through SlotRunner for the same guilds and slots.
"""

from __future__ import annotations

import asyncio
import time

from bot.app.desk import NewsDesk
from tests.harness.digest_race import (
    RaceReport,
    audit_race,
    first_race_day,
    race_digests,
    race_slots,
    set_race_schedules,
)
from tests.harness.load import audit_location, run_load
from tests.harness.postgres import require_postgres, scratch_database

GUILDS = [7_001, 7_002, 7_003]
SECONDS = 3.0


async def test_two_desks_on_postgres_lose_nothing_and_post_each_digest_once() -> None:
    async with scratch_database(require_postgres()) as url:
        slots = race_slots(first_race_day(), 50)
        desk = await NewsDesk.open(url)
        try:
            await set_race_schedules(desk, GUILDS)
        finally:
            await desk.close()
        race = RaceReport()
        until = time.time() + SECONDS * 0.8

        async def racers(desk: NewsDesk, seed: int) -> None:
            race.merge(await race_digests(desk, GUILDS, slots, seed=seed, until=until))

        first, second = await asyncio.gather(
            *(
                run_load(
                    url,
                    writers=3,
                    readers=3,
                    seconds=SECONDS,
                    seed=seed,
                    writer_offset=seed * 100,
                    audit=False,
                    beside=lambda desk, seed=seed: racers(desk, seed),
                )
                for seed in (1, 2)
            )
        )
        first.merge(second)
        await audit_location(url, first)
        desk = await NewsDesk.open(url)
        try:
            digests = await audit_race(desk, GUILDS, slots, race)
        finally:
            await desk.close()

    assert first.errors == []
    assert first.adds["ok"] > 5 and sum(first.reads.values()) > 5
    assert first.audit["lost"] == 0 and first.audit["integrity"] == "ok"
    assert first.audit["articles"] == first.audit["fts rows"] == len(first.stored)
    assert race.errors == []
    assert digests["runs posted"] > 0
    assert digests["posted twice+"] == 0 and digests["articles posted twice"] == 0
    # Both desks raced for every slot: the claims they lost are the others' wins.
    assert race.outcomes["already"] >= digests["runs posted"]
