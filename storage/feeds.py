"""FeedStore: subscriptions, the items each feed has handed over, and what each channel got.

Seen items are keyed (feed, item key) under a primary key, so an item is stored and
posted once however often it reappears; a post is claimed per (channel, article) before
it is sent, so one story in two feeds of one guild reaches a channel once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from news.domain import Delivery, Feed, FeedExists, FeedLimitReached, PollRecord
from news.text import sanitize
from news.urls import normalize_url
from storage.db import stored_time, utc_iso
from storage.feed_delivery import FeedDeliveryStore
from storage.shards import Shards, shard_filter
from storage.sql import Row, SqlDatabase

_COLUMNS = (
    "id, guild_id, url, title, site_url, channel_id, include_words, exclude_words,"
    " interval_minutes, server_minutes, etag, last_modified, added_at, added_by, primed_at,"
    " last_polled, next_poll, last_status, last_detail, failures, paused, pause_reason,"
    " posting_paused, style, template, ping_role, ping_keywords, deliver, forum_tag, publish,"
    " include_regex, exclude_regex, summary, delivery_note"
)

DELIVERY_COLUMNS = frozenset(
    {
        "style",
        "template",
        "ping_role",
        "ping_keywords",
        "deliver",
        "forum_tag",
        "publish",
        "include_regex",
        "exclude_regex",
        "summary",
        "delivery_note",
        "channel_id",
    }
)


class FeedStore(FeedDeliveryStore):
    def __init__(self, db: SqlDatabase):
        self.db = db

    async def add(
        self,
        guild_id: int | None,
        url: str,
        *,
        now: datetime,
        next_poll: datetime,
        title: str | None = None,
        site_url: str | None = None,
        channel_id: int | None = None,
        include_words: str = "",
        exclude_words: str = "",
        interval_minutes: int = 15,
        added_by: int | None = None,
        limit: int = 50,
    ) -> Feed:
        """Subscribe the scope to ``url``; FeedExists or FeedLimitReached if it may not."""
        norm = normalize_url(url)
        if norm is None:
            raise ValueError("a feed URL must be http(s)")
        async with self.db.transaction("feeds") as conn:
            existing = await conn.fetchone(
                f"SELECT {_COLUMNS} FROM feeds WHERE ifnull(guild_id, 0) = ? AND url_norm = ?",
                (guild_id or 0, norm),
            )
            if existing is not None:
                raise FeedExists(_feed(existing))
            row = await conn.fetchone("SELECT count(*) FROM feeds WHERE guild_id IS ?", (guild_id,))
            if row is not None and row[0] >= limit:
                raise FeedLimitReached()
            created = await conn.fetchone(
                "INSERT INTO feeds (guild_id, url, url_norm, title, site_url, channel_id,"
                " include_words, exclude_words, interval_minutes, added_at, added_by, next_poll)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                (
                    guild_id,
                    url,
                    norm,
                    title,
                    site_url,
                    channel_id,
                    include_words,
                    exclude_words,
                    interval_minutes,
                    utc_iso(now),
                    added_by,
                    utc_iso(next_poll),
                ),
            )
        assert created is not None
        return _feed(created)

    async def get(
        self, feed_id: int, guild_id: int | None = None, *, any_scope: bool = False
    ) -> Feed | None:
        """The feed if it belongs to ``guild_id``'s scope (any scope with ``any_scope``)."""
        if any_scope:
            row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM feeds WHERE id = ?", (feed_id,))
        else:
            row = await self.db.fetchone(
                f"SELECT {_COLUMNS} FROM feeds WHERE id = ? AND guild_id IS ?", (feed_id, guild_id)
            )
        return _feed(row) if row else None

    async def subscriptions(self, guild_id: int | None, *, all_scopes: bool = False) -> list[Feed]:
        if all_scopes:
            rows = await self.db.fetchall(f"SELECT {_COLUMNS} FROM feeds ORDER BY id")
        else:
            rows = await self.db.fetchall(
                f"SELECT {_COLUMNS} FROM feeds WHERE guild_id IS ? ORDER BY id", (guild_id,)
            )
        return [_feed(row) for row in rows]

    async def count(self, guild_id: int | None) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM feeds WHERE guild_id IS ?", (guild_id,))
        return int(row[0]) if row else 0

    async def names(self, guild_id: int | None, text: str, *, limit: int = 25) -> list[Feed]:
        """The scope's feeds whose title or URL contains ``text`` (for autocomplete; a NUL
        in what a member types would fail PostgreSQL's query, so it goes)."""
        text = sanitize(text)
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM feeds WHERE guild_id IS ? AND"
            " (ifnull(title, '') LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\')"
            " ORDER BY id LIMIT ?",
            (guild_id, pattern, pattern, limit),
        )
        return [_feed(row) for row in rows]

    async def remove(
        self, feed_id: int, guild_id: int | None, *, any_scope: bool = False
    ) -> Feed | None:
        """Unsubscribe; the removed feed, or None. Its stored articles stay."""
        feed = await self.get(feed_id, guild_id, any_scope=any_scope)
        if feed is None:
            return None
        async with self.db.transaction("feeds") as conn:
            await conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        return feed

    async def due(
        self, now: datetime, *, shards: Shards | None = None, limit: int = 100
    ) -> list[Feed]:
        """Feeds of ``shards``' guilds (all if None), not paused, whose next poll is at or
        before ``now``, the most overdue first. A read: see :meth:`claim_due` to poll."""
        where, params = _due(now, shards)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM feeds WHERE {where} ORDER BY next_poll, id LIMIT ?",
            (*params, limit),
        )
        return [_feed(row) for row in rows]

    async def claim_due(
        self, now: datetime, *, until: datetime, shards: Shards | None = None, limit: int = 100
    ) -> list[Feed]:
        """Take the due feeds (as :meth:`due` finds them) for one poller: their next poll
        moves to ``until`` in the same write transaction, so another process (or a second
        round of this one) sees them as not due and polls none of them. The poll's record
        sets the real next poll; a poller that dies leaves its feeds to be taken again at
        ``until``. Returned as they were before the claim, the most overdue first."""
        where, params = _due(now, shards)
        async with self.db.transaction("feeds") as conn:
            rows = await conn.fetchall(
                f"SELECT {_COLUMNS} FROM feeds WHERE {where} ORDER BY next_poll, id LIMIT ?",
                (*params, limit),
            )
            if rows:
                await conn.executemany(
                    "UPDATE feeds SET next_poll = ? WHERE id = ?",
                    [(utc_iso(until), row["id"]) for row in rows],
                )
        return [_feed(row) for row in rows]

    async def reschedule(self, times: Mapping[int, datetime]) -> None:
        """Move feeds' next polls (spreading overdue feeds after a restart)."""
        async with self.db.transaction("feeds") as conn:
            await conn.executemany(
                "UPDATE feeds SET next_poll = ? WHERE id = ?",
                [(utc_iso(when), feed_id) for feed_id, when in times.items()],
            )

    async def record_poll(self, feed_id: int, record: PollRecord, *, now: datetime) -> Feed | None:
        """Settle a poll. A good one clears the failure count; a failed one adds to it."""
        sets = [
            "last_polled = ?",
            "last_status = ?",
            "last_detail = ?",
            "next_poll = ?",
            "failures = CASE WHEN ? THEN 0 ELSE failures + 1 END",
        ]
        params: list[object] = [
            utc_iso(now),
            record.status,
            record.detail,
            utc_iso(record.next_poll),
            record.ok,
        ]
        if record.ok:
            sets += ["etag = ?", "last_modified = ?"]
            params += [record.etag, record.last_modified]
        for column, value in (
            ("title", record.title),
            ("site_url", record.site_url),
            ("server_minutes", record.server_minutes),
        ):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(value)
        moved = normalize_url(record.url) if record.url else None
        if record.primed:
            sets.append("primed_at = ifnull(primed_at, ?)")
            params.append(utc_iso(now))
        async with self.db.transaction("feeds") as conn:
            if moved is not None:
                # Follow a permanent redirect unless the scope already follows its target.
                taken = (
                    await conn.fetchone(
                        "SELECT 1 FROM feeds WHERE url_norm = ? AND id != ? AND ifnull(guild_id, 0) ="
                        " (SELECT ifnull(guild_id, 0) FROM feeds WHERE id = ?)",
                        (moved, feed_id, feed_id),
                    )
                    is not None
                )
                if not taken:
                    sets += ["url = ?", "url_norm = ?"]
                    params += [record.url, moved]
            row = await conn.fetchone(
                f"UPDATE feeds SET {', '.join(sets)} WHERE id = ? RETURNING {_COLUMNS}",
                (*params, feed_id),
            )
        return _feed(row) if row else None

    async def pause(self, feed_id: int, reason: str) -> bool:
        """Stop polling; True only for the call that paused it (so one message is sent)."""
        async with self.db.transaction("feeds") as conn:
            changed = await conn.execute(
                "UPDATE feeds SET paused = 1, pause_reason = ? WHERE id = ? AND paused = 0",
                (reason, feed_id),
            )
        return changed > 0

    async def set_delivery(
        self,
        feed_id: int,
        guild_id: int | None,
        changes: Mapping[str, object],
        *,
        any_scope: bool = False,
    ) -> Feed | None:
        """Change a feed's delivery settings (columns of :data:`DELIVERY_COLUMNS`) in its
        scope (any scope with ``any_scope``, the command line); the feed, or None."""
        unknown = set(changes) - DELIVERY_COLUMNS
        if unknown:
            raise ValueError(f"not delivery settings: {sorted(unknown)}")
        if not changes:
            return await self.get(feed_id, guild_id, any_scope=any_scope)
        sets = ", ".join(f"{name} = ?" for name in changes)
        where = "id = ?" if any_scope else "id = ? AND guild_id IS ?"
        params: tuple[object, ...] = (feed_id,) if any_scope else (feed_id, guild_id)
        async with self.db.transaction("feeds") as conn:
            row = await conn.fetchone(
                f"UPDATE feeds SET {sets} WHERE {where} RETURNING {_COLUMNS}",
                (*changes.values(), *params),
            )
        return _feed(row) if row else None

    async def pause_posting(self, feed_id: int, reason: str) -> None:
        async with self.db.transaction("feeds") as conn:
            await conn.execute(
                "UPDATE feeds SET posting_paused = ? WHERE id = ?", (reason, feed_id)
            )

    async def resume(
        self,
        feed_id: int,
        guild_id: int | None,
        *,
        next_poll: datetime,
        channel_id: int | None = None,
    ) -> Feed | None:
        """Poll and post again (and post to ``channel_id`` when given)."""
        async with self.db.transaction("feeds") as conn:
            row = await conn.fetchone(
                "UPDATE feeds SET paused = 0, pause_reason = NULL, posting_paused = NULL,"
                " failures = 0, next_poll = ?, channel_id = ifnull(?, channel_id)"
                f" WHERE id = ? AND guild_id IS ? RETURNING {_COLUMNS}",
                (utc_iso(next_poll), channel_id, feed_id, guild_id),
            )
        return _feed(row) if row else None

    # -- items ------------------------------------------------------------------------

    async def seen(self, feed_id: int, keys: Iterable[str]) -> frozenset[str]:
        """Which of ``keys`` the feed has already handed over."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await self.db.fetchall(
                "SELECT item_key FROM feed_seen WHERE feed_id = ? AND item_key IN"
                f" ({','.join('?' * len(chunk))})",
                (feed_id, *chunk),
            )
            found.update(row[0] for row in rows)
        return frozenset(found)

    async def mark_seen(
        self,
        feed_id: int,
        items: Sequence[tuple[Sequence[str], int | None, str | None]],
        *,
        now: datetime,
    ) -> None:
        """Record items as handed over: (keys, article id or None, detail) each."""
        rows = [
            (feed_id, key, article_id, detail, utc_iso(now))
            for keys, article_id, detail in items
            for key in keys
        ]
        if not rows:
            return
        async with self.db.transaction("feeds") as conn:
            await conn.executemany(
                "INSERT INTO feed_seen (feed_id, item_key, article_id, detail, seen_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )

    async def seen_details(
        self, feed_id: int, *, limit: int = 50
    ) -> list[tuple[int | None, str | None]]:
        """The newest items' (article id, detail), for the command line and tests."""
        rows = await self.db.fetchall(
            "SELECT article_id, detail FROM feed_seen WHERE feed_id = ?"
            " ORDER BY seen_at DESC, rowid DESC LIMIT ?",
            (feed_id, limit),
        )
        return [(row[0], row[1]) for row in rows]

    async def last_refusals(self, feed_ids: Sequence[int]) -> dict[int, str]:
        """Per feed, why its most recently refused item was not taken (feeds that never
        refused one are left out)."""
        if not feed_ids:
            return {}
        ids = list(dict.fromkeys(feed_ids))[:500]
        rows = await self.db.fetchall(
            "SELECT f.id, (SELECT s.detail FROM feed_seen s WHERE s.feed_id = f.id"
            " AND s.article_id IS NULL AND s.detail IS NOT NULL"
            " ORDER BY s.seen_at DESC, s.rowid DESC LIMIT 1)"
            f" FROM feeds f WHERE f.id IN ({','.join('?' * len(ids))})",
            tuple(ids),
        )
        return {row[0]: row[1] for row in rows if row[1] is not None}

    async def claim_posts(
        self, channel_id: int, article_ids: Sequence[int], *, feed_id: int, now: datetime
    ) -> list[int]:
        """Claim articles for a channel before posting them; those not posted there yet."""
        claimed: list[int] = []
        async with self.db.transaction("feeds") as conn:
            for article_id in dict.fromkeys(article_ids):
                row = await conn.fetchone(
                    "INSERT INTO feed_posted (channel_id, article_id, feed_id, posted_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING article_id",
                    (channel_id, article_id, feed_id, utc_iso(now)),
                )
                if row is not None:
                    claimed.append(article_id)
        return claimed

    async def release_posts(self, channel_id: int, article_ids: Sequence[int]) -> None:
        """Give back claims whose message Discord did not accept."""
        if not article_ids:
            return
        async with self.db.transaction("feeds") as conn:
            await conn.executemany(
                "DELETE FROM feed_posted WHERE channel_id = ? AND article_id = ?",
                [(channel_id, article_id) for article_id in article_ids],
            )


def _feed(row: Row) -> Feed:
    return Feed(
        id=row["id"],
        guild_id=row["guild_id"],
        url=row["url"],
        title=row["title"],
        site_url=row["site_url"],
        channel_id=row["channel_id"],
        include_words=row["include_words"],
        exclude_words=row["exclude_words"],
        interval_minutes=row["interval_minutes"],
        server_minutes=row["server_minutes"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        added_at=datetime.fromisoformat(row["added_at"]),
        added_by=row["added_by"],
        primed_at=stored_time(row["primed_at"]),
        last_polled=stored_time(row["last_polled"]),
        next_poll=datetime.fromisoformat(row["next_poll"]),
        last_status=row["last_status"],
        last_detail=row["last_detail"],
        failures=row["failures"],
        paused=bool(row["paused"]),
        pause_reason=row["pause_reason"],
        posting_paused=row["posting_paused"],
        delivery=Delivery(
            style=row["style"],
            template=row["template"],
            ping_role=row["ping_role"],
            ping_keywords=row["ping_keywords"],
            deliver=row["deliver"],
            forum_tag=row["forum_tag"],
            publish=bool(row["publish"]),
            include_regex=row["include_regex"],
            exclude_regex=row["exclude_regex"],
            summary=bool(row["summary"]),
            note=row["delivery_note"],
        ),
    )


def _due(now: datetime, shards: Shards | None) -> tuple[str, tuple[object, ...]]:
    """The condition (and parameters) of a feed due at ``now`` on ``shards``."""
    mine, params = shard_filter(shards)
    return f"paused = 0 AND next_poll <= ? AND {mine}", (utc_iso(now), *params)
