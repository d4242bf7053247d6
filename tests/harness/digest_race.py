"""Several processes race to post the same digest slots; each slot must be posted once.

Every racer runs the bot's own path for a due slot, :meth:`bot.scheduler.SlotRunner.run_due`
(claim, build, post, record) on a real store, with a clock set just after the slot and a
``post`` that "sends" the rendered messages and counts them. Racers in one process and in
other processes go through the same slots for the same guilds, each in its own shuffled
order, so they collide on claims; only the store's UNIQUE (guild, slot) claim keeps a slot
from being posted twice.

Slots are a day apart, so a racer moves to the next slot only once every guild's run of
the current one is settled (polled through the store, across processes): as in real life, a
digest is built only after the previous one is recorded. That also makes "no article
posted twice to one guild" a fair check.

Used by ``bench/load.py`` (beside the writers and readers) and the PostgreSQL tests.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.digest import Digest, render_messages
from bot.scheduler import Sent, SlotRunner
from news.domain import RunStatus

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk
    from storage.interfaces import Digests

DIGEST_TIME = "09:00"
# The racers' clock: this long after the slot, well inside the catch-up grace.
AFTER_SLOT = timedelta(seconds=5)
SETTLE_TIMEOUT = 60.0


def race_slots(first: date, count: int) -> list[datetime]:
    """``count`` daily slots at DIGEST_TIME UTC from ``first`` on."""
    hour, minute = (int(part) for part in DIGEST_TIME.split(":"))
    return [
        datetime(first.year, first.month, first.day, hour, minute, tzinfo=UTC) + timedelta(days=d)
        for d in range(count)
    ]


def first_race_day() -> date:
    """Tomorrow (UTC): every slot is after the schedules are set and the articles added."""
    return datetime.now(UTC).date() + timedelta(days=1)


async def set_race_schedules(desk: NewsDesk, guilds: Sequence[int]) -> None:
    """A daily schedule at DIGEST_TIME UTC for each guild, posting to channel guild + 1."""
    now = datetime.now(UTC)
    for guild in guilds:
        await desk.stores.digests.set_schedule(
            guild,
            channel_id=guild + 1,
            time_of_day=DIGEST_TIME,
            timezone="UTC",
            days="mon,tue,wed,thu,fri,sat,sun",
            max_articles=5,
            now=now,
        )


@dataclass
class RaceReport:
    posts: Counter[tuple[int, str]] = field(default_factory=Counter)  # (guild, slot) -> posts
    articles: dict[int, list[int]] = field(default_factory=dict)  # guild -> ids posted, in order
    outcomes: Counter[str] = field(default_factory=Counter)  # run_due's status, per attempt
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: RaceReport) -> None:
        self.posts.update(other.posts)
        for guild, ids in other.articles.items():
            self.articles.setdefault(guild, []).extend(ids)
        self.outcomes.update(other.outcomes)
        self.messages += other.messages
        self.errors.extend(other.errors)

    def to_dict(self) -> dict[str, object]:
        """Plain data, to send back from a worker process."""
        return {
            "posts": [[g, s, n] for (g, s), n in self.posts.items()],
            "articles": {str(g): ids for g, ids in self.articles.items()},
            "outcomes": dict(self.outcomes),
            "messages": self.messages,
            "errors": self.errors,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RaceReport:
        return cls(
            posts=Counter({(int(g), str(s)): int(n) for g, s, n in data["posts"]}),
            articles={int(g): list(ids) for g, ids in data["articles"].items()},
            outcomes=Counter(data["outcomes"]),
            messages=int(data["messages"]),
            errors=list(data["errors"]),
        )


async def race_digests(
    desk: NewsDesk,
    guilds: Sequence[int],
    slots: Sequence[datetime],
    *,
    racers: int = 2,
    seed: int = 1,
    until: float | None = None,
) -> RaceReport:
    """``racers`` tasks on this desk, each posting every guild's every slot it can claim.

    ``until`` (``time.time()``, so processes agree): no slot is taken up after it, which
    ends the race with a load run; a slot already taken up is finished for every guild.
    """
    report = RaceReport()
    await asyncio.gather(
        *(
            _racer(desk, report, guilds, slots, random.Random(seed * 104_729 + r), until)
            for r in range(racers)
        )
    )
    return report


async def _racer(
    desk: NewsDesk,
    report: RaceReport,
    guilds: Sequence[int],
    slots: Sequence[datetime],
    rng: random.Random,
    until: float | None,
) -> None:
    store = desk.stores.digests
    for slot in slots:
        if until is not None and time.time() > until:
            return

        async def post(channel_id: int, digest: Digest, sent: Sent, slot: datetime = slot) -> None:
            guild = int(digest.guild_id or 0)
            for message in render_messages(digest):
                await sent(message)
                report.messages += 1
                report.articles.setdefault(guild, []).extend(message.article_ids)
            report.posts[(guild, slot.isoformat())] += 1

        def clock(now: datetime = slot + AFTER_SLOT) -> datetime:
            return now

        # A runner of its own per racer: its per-guild lock does not hold the others back.
        runner = SlotRunner(desk, store, post, clock=clock)
        order = list(guilds)
        rng.shuffle(order)
        # Every guild's job wakes up at the same minute, as the scheduler's cron jobs do.
        await asyncio.gather(*(_attempt(runner, report, guild, slot) for guild in order))
        if not await _settled(store, guilds, slot):
            report.errors.append(f"slot {slot:%m-%d} not settled within {SETTLE_TIMEOUT:g} s")
            return


async def _attempt(runner: SlotRunner, report: RaceReport, guild: int, slot: datetime) -> None:
    try:
        result = await runner.run_due(guild)
    except Exception as err:
        report.errors.append(f"run_due {guild} {slot:%m-%d}: {type(err).__name__}: {err}")
        return
    report.outcomes[str(result.status)] += 1
    if result.status not in (RunStatus.POSTED, RunStatus.EMPTY, "already"):
        report.errors.append(f"guild {guild} {slot:%m-%d}: {result.status} {result.detail}")


async def _settled(store: Digests, guilds: Sequence[int], slot: datetime) -> bool:
    """Wait until every guild's run of ``slot`` is finished, whoever claimed it."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    pending = list(guilds)
    while time.monotonic() < deadline:
        runs = [await store.get_run(g, slot) for g in pending]
        pending = [
            g
            for g, run in zip(pending, runs, strict=True)
            if run is None or run.status == RunStatus.CLAIMED
        ]
        if not pending:
            return True
        await asyncio.sleep(0.05)
    return False


async def audit_race(
    desk: NewsDesk, guilds: Sequence[int], slots: Sequence[datetime], report: RaceReport
) -> dict[str, object]:
    """Check the merged report of every process against the runs the store recorded.

    A slot some racer took up must have one finished run per guild, posted once if it
    had articles and not at all if it was empty; no post may name a slot nobody reached.
    """
    store = desk.stores.digests
    statuses: Counter[str] = Counter()
    reached = 0
    for slot in slots:
        runs = {guild: await store.get_run(guild, slot) for guild in guilds}
        if all(run is None for run in runs.values()):
            break  # racers take slots in order: none reached this one, nor any after it
        reached += 1
        for guild, run in runs.items():
            posts = report.posts.get((guild, slot.isoformat()), 0)
            status = "none" if run is None else str(run.status)
            statuses[status] += 1
            want = 1 if status == RunStatus.POSTED else 0
            if status not in (RunStatus.POSTED, RunStatus.EMPTY):
                report.errors.append(f"guild {guild} slot {slot:%m-%d} ended {status}")
            if posts != want:
                report.errors.append(
                    f"guild {guild} slot {slot:%m-%d}: posted {posts} times, run says {status}"
                )
    taken = {s.isoformat() for s in slots[:reached]}
    unreached = {key for key in report.posts if key[1] not in taken}
    if unreached:
        report.errors.append(f"posts for slots outside the race: {sorted(unreached)[:3]}")
    twice = {g: len(ids) - len(set(ids)) for g, ids in report.articles.items()}
    for guild, extra in twice.items():
        if extra:
            report.errors.append(f"guild {guild}: {extra} articles posted in two digests")
    counts = Counter(report.posts.values())
    return {
        "guilds": len(guilds),
        "days reached": f"{reached} of {len(slots)}",
        "runs posted": statuses[RunStatus.POSTED],
        "runs empty": statuses[RunStatus.EMPTY],
        "runs other": sum(n for st, n in statuses.items() if st not in ("posted", "empty")),
        "posted once": counts[1],
        "posted twice+": sum(n for k, n in counts.items() if k > 1),
        "messages": report.messages,
        "articles posted twice": sum(twice.values()),
        "attempts": sum(report.outcomes.values()),
        "lost the race": report.outcomes["already"],
    }
