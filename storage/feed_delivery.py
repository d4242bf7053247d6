"""What delivering feed stories stores beside the subscriptions: how many stories each
filter rule left out, and the stories posted per guild (where each went, for "also
reported by" and for /ask inside a story's thread). :class:`storage.feeds.FeedStore`
takes these methods; the settings themselves are columns of ``feeds``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from news.domain import StoryPost
from storage.db import utc_iso
from storage.sql import Row, SqlDatabase

_STORY = (
    "guild_id, article_id, feed_id, source, link, opening, posted_at, channel_id,"
    " message_id, thread_id, content"
)


class FeedDeliveryStore:
    db: SqlDatabase

    async def note_delivery(self, feed_id: int, note: str | None) -> None:
        """Record (or clear, with None) a delivery problem that does not stop posting."""
        async with self.db.transaction("feeds") as conn:
            await conn.execute("UPDATE feeds SET delivery_note = ? WHERE id = ?", (note, feed_id))

    async def add_rule_counts(self, feed_id: int, counts: Mapping[str, int]) -> None:
        """Add to how many stories each rule (as shown) left out."""
        rows = [(feed_id, rule, n) for rule, n in counts.items() if n > 0]
        if not rows:
            return
        async with self.db.transaction("feeds") as conn:
            await conn.executemany(
                "INSERT INTO feed_rule_counts (feed_id, rule, left_out) VALUES (?, ?, ?)"
                " ON CONFLICT (feed_id, rule) DO UPDATE"
                " SET left_out = feed_rule_counts.left_out + excluded.left_out",
                rows,
            )

    async def rule_counts(self, feed_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        if not feed_ids:
            return {}
        ids = list(dict.fromkeys(feed_ids))[:500]
        rows = await self.db.fetchall(
            "SELECT feed_id, rule, left_out FROM feed_rule_counts"
            f" WHERE feed_id IN ({','.join('?' * len(ids))}) ORDER BY feed_id, rule",
            tuple(ids),
        )
        found: dict[int, dict[str, int]] = {}
        for row in rows:
            found.setdefault(row[0], {})[row[1]] = row[2]
        return found

    async def clear_rule_counts(self, feed_id: int) -> None:
        """New rules start from nothing left out."""
        async with self.db.transaction("feeds") as conn:
            await conn.execute("DELETE FROM feed_rule_counts WHERE feed_id = ?", (feed_id,))

    async def record_stories(self, posts: Sequence[StoryPost]) -> None:
        """Stories posted for their guild; the first record of a story stays."""
        if not posts:
            return
        async with self.db.transaction("feeds") as conn:
            await conn.executemany(
                f"INSERT INTO feed_stories ({_STORY}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, article_id) DO NOTHING",
                [
                    (
                        p.guild_id or 0,
                        p.article_id,
                        p.feed_id,
                        p.source,
                        p.link,
                        p.opening,
                        utc_iso(p.posted_at),
                        p.channel_id,
                        p.message_id,
                        p.thread_id,
                        p.content,
                    )
                    for p in posts
                ],
            )

    async def story_sent(self, posts: Sequence[StoryPost]) -> None:
        """Where recorded stories went, once Discord took their messages."""
        async with self.db.transaction("feeds") as conn:
            await conn.executemany(
                "UPDATE feed_stories SET channel_id = ?, message_id = ?, thread_id = ?,"
                " content = ? WHERE guild_id = ? AND article_id = ?",
                [
                    (
                        p.channel_id,
                        p.message_id,
                        p.thread_id,
                        p.content,
                        p.guild_id or 0,
                        p.article_id,
                    )
                    for p in posts
                ],
            )

    async def forget_stories(self, guild_id: int | None, article_ids: Sequence[int]) -> None:
        """Stories recorded before sending whose messages Discord did not take."""
        async with self.db.transaction("feeds") as conn:
            await conn.executemany(
                "DELETE FROM feed_stories WHERE guild_id = ? AND article_id = ?"
                " AND message_id IS NULL",
                [(guild_id or 0, a) for a in article_ids],
            )

    async def get_story(self, guild_id: int | None, article_id: int) -> StoryPost | None:
        row = await self.db.fetchone(
            f"SELECT {_STORY} FROM feed_stories WHERE guild_id = ? AND article_id = ?",
            (guild_id or 0, article_id),
        )
        return _story(row) if row else None

    async def recent_stories(
        self, guild_id: int | None, since: datetime, *, limit: int = 500
    ) -> list[StoryPost]:
        """The guild's stories posted since ``since``, the newest first (an index range)."""
        rows = await self.db.fetchall(
            f"SELECT {_STORY} FROM feed_stories WHERE guild_id = ? AND posted_at >= ?"
            " ORDER BY posted_at DESC LIMIT ?",
            (guild_id or 0, utc_iso(since), limit),
        )
        return [_story(row) for row in rows]

    async def story_in_thread(self, thread_id: int, guild_id: int | None) -> StoryPost | None:
        """The story whose own thread or forum post ``thread_id`` is, in the guild."""
        row = await self.db.fetchone(
            f"SELECT {_STORY} FROM feed_stories WHERE thread_id = ? AND guild_id = ?",
            (thread_id, guild_id or 0),
        )
        return _story(row) if row else None

    async def set_story_content(self, guild_id: int | None, message_id: int, content: str) -> None:
        """The new content of a message (every story it carries: cards share one)."""
        async with self.db.transaction("feeds") as conn:
            await conn.execute(
                "UPDATE feed_stories SET content = ? WHERE guild_id = ? AND message_id = ?",
                (content, guild_id or 0, message_id),
            )


def _story(row: Row) -> StoryPost:
    return StoryPost(
        guild_id=row["guild_id"] or None,
        article_id=row["article_id"],
        feed_id=row["feed_id"],
        source=row["source"],
        link=row["link"],
        opening=row["opening"],
        posted_at=datetime.fromisoformat(row["posted_at"]),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        content=row["content"],
    )
