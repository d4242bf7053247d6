"""Everything the command line prints as JSON: the one emitter, and the shape of an
article, an answer and a feed. Scripts read these; keys and order are a contract."""

from __future__ import annotations

import json

import click

from bot.app.readers import Asked
from news.answer import Answer
from news.domain import Article, Feed


def emit(data: dict[str, object]) -> None:
    """One JSON object on one line of standard output (non-ASCII kept as it is)."""
    click.echo(json.dumps(data, ensure_ascii=False))


def article_json(article: Article, *, text: bool = False, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "added": article.added_at.isoformat(timespec="seconds"),
        "guild": article.guild_id,
    }
    if text:
        data["text"] = article.text
        data["summary"] = list(article.summary or ())
    data.update(extra)
    return data


def answer_json(answer: Answer, reader: str = "offline") -> dict[str, object]:
    """The ``ask --json`` contract: ``answer`` is null when the engine does not commit,
    and ``passages`` then holds the sentences a member would be shown; ``reader`` is
    "model" or "offline", whichever gave what is shown."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "article_id": answer.article_id,
        "evidence": answer.evidence,
        "confidence": round(answer.confidence, 4),
        "passages": [{"article_id": q.article_id, "text": q.text} for q in answer.passages],
        "score": round(answer.score, 4),  # the old name of confidence, kept for one release
        "reader": reader,
    }


def asked_json(asked: Asked) -> dict[str, object]:
    """:func:`answer_json`, with the window the question named and the newer version of
    the answer's story that did not answer (null when there is none)."""
    newer = asked.newer
    return {
        **answer_json(asked.answer, asked.reader),
        "window": asked.window_note,
        "newer": {"article_id": newer.article_id, "title": newer.title} if newer else None,
    }


def feed_json(feed: Feed, counts: dict[str, int] | None = None) -> dict[str, object]:
    d = feed.delivery
    return {
        "left_out": counts or {},
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "guild": feed.guild_id,
        "channel": feed.channel_id,
        "last_polled": feed.last_polled.isoformat(timespec="seconds") if feed.last_polled else None,
        "next_poll": feed.next_poll.isoformat(timespec="seconds"),
        "last_status": feed.last_status,
        "last_detail": feed.last_detail,
        "failures": feed.failures,
        "paused": feed.paused,
        "pause_reason": feed.pause_reason,
        "posting_paused": feed.posting_paused,
        "include_words": feed.include_words,
        "exclude_words": feed.exclude_words,
        "delivery": {
            "style": d.style,
            "template": d.template,
            "summary": d.summary,
            "ping_role": d.ping_role,
            "ping_keywords": d.ping_keywords,
            "deliver": d.deliver,
            "forum_tag": d.forum_tag,
            "publish": d.publish,
            "include_regex": d.include_regex.splitlines(),
            "exclude_regex": d.exclude_regex.splitlines(),
            "note": d.note,
        },
    }
