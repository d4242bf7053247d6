"""A fake OpenAI-compatible chat server on 127.0.0.1 (aiohttp.web), for the model
reader's tests and for ``bench/llm_eval.py --fake``.

What it replies is set by the caller between requests:

- ``reply``: the message content of the next replies, a dict (sent as JSON) or a str
  (sent as it is, so it may be invalid JSON); when None, ``respond(payload)`` computes
  it, by default :func:`lexical_reply` (a crude stand-in for a model);
- ``body``: the whole HTTP body of the next chat replies, bytes sent as they are
  (for replies that are not even a chat completion);
- ``status``: answer every chat request with this HTTP status instead (429, 500 ...);
- ``hang``: never answer a chat request (until the server closes);
- ``delay``: seconds to wait before answering;
- ``reject_schema``: answer 400 to any request that carries ``response_format``;
- ``models``: what ``GET /models`` lists.

Every chat request is recorded in ``requests`` (its JSON and headers), and
``max_in_flight`` is the most requests it was handling at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


class Clock:
    """A monotonic clock the test moves by hand (the reader's breaker and backoff)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Recorded:
    payload: dict[str, Any]
    headers: dict[str, str]

    @property
    def user(self) -> str:
        return str(self.payload["messages"][-1]["content"])

    @property
    def system(self) -> str:
        return str(self.payload["messages"][0]["content"])


class FakeOpenAI:
    def __init__(self, *, models: tuple[str, ...] = ("fake-model",)) -> None:
        self.models = list(models)
        self.reply: dict[str, Any] | str | None = None
        self.body: bytes | None = None
        self.respond: Callable[[dict[str, Any]], dict[str, Any] | str] = lexical_reply
        self.status: int | None = None
        self.retry_after: str | None = None
        self.hang = False
        self.delay = 0.0
        self.reject_schema = False
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()
        self.base_url = ""

    async def __aenter__(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": m} for m in self.models]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        payload = await request.json()
        self.requests.append(Recorded(payload, dict(request.headers)))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.hang:
                await self._stop.wait()
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.status is not None:
                headers = {"Retry-After": self.retry_after} if self.retry_after else None
                return web.json_response(
                    {"error": {"message": "fake failure"}}, status=self.status, headers=headers
                )
            if self.reject_schema and "response_format" in payload:
                return web.json_response(
                    {"error": {"message": "response_format is not supported"}}, status=400
                )
            if self.body is not None:
                return web.Response(body=self.body, content_type="application/json")
            content = self.reply if self.reply is not None else self.respond(payload)
            text = content if isinstance(content, str) else json.dumps(content)
            return web.json_response(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "model": payload.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                }
            )
        finally:
            self.in_flight -= 1


# ------------------------------------------------------------------ a crude reader

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "what",
        "who",
        "whom",
        "whose",
        "which",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "did",
        "does",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "his",
        "her",
        "their",
        "as",
        "not",
        "no",
    ]
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.-]*")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“])")


def parse_prompt(user: str) -> tuple[str, list[tuple[int, str]]]:
    """The question and the (id, text) passages of the reader's user message."""
    question = ""
    passages: list[tuple[int, str]] = []
    for block in user.split("\n\n"):
        if block.startswith("Question: "):
            question = block[len("Question: ") :]
        elif m := re.match(r"#(\d+) [^\n]*\n(.*)", block, re.S):
            passages.append((int(m.group(1)), m.group(2)))
    return question, passages


def _keys(text: str) -> set[str]:
    return {w.lower().strip(".'’") for w in _WORD.findall(text)} - _STOP


def lexical_reply(payload: dict[str, Any]) -> dict[str, Any]:
    """Quote the sentence sharing most words with the question; answer with the first
    few of its words the question does not use (a number for "how many", a run of
    capitalised words for "who"). Not a model: a stand-in that quotes truly."""
    user = str(payload["messages"][-1]["content"])
    question, passages = parse_prompt(user)
    q = _keys(question)
    best: tuple[int, int, str] | None = None
    for aid, text in passages:
        for sent in (s for run in text.split(" … ") for s in _SENT.split(run)):
            score = len(q & _keys(sent))
            if best is None or score > best[0]:
                best = (score, aid, sent)
    if best is None or best[0] == 0:
        return {"answer": None, "quote": "", "article_id": 0}
    _, aid, quote = best
    words = [w for w in _WORD.findall(quote)]
    fresh = [w for w in words if w.lower().strip(".'’") not in q | _STOP]
    low = question.lower()
    pick: list[str] = []
    if low.startswith(("how many", "how much")):
        pick = [w for w in fresh if any(c.isdigit() for c in w)][:1]
    elif low.startswith("who"):
        caps = [w for w in fresh if w[0].isupper()]
        pick = caps[:2]
        if len(pick) == 2 and f"{pick[0]} {pick[1]}" not in quote:
            pick = pick[:1]
    if not pick:
        pick = fresh[:1]
    answer = " ".join(pick).rstrip(".") if pick else None
    return {"answer": answer, "quote": quote, "article_id": aid}


def noisy(rate: float, base: Callable[[dict[str, Any]], dict[str, Any] | str] = lexical_reply):
    """``base`` with a share ``rate`` of its replies spoiled, chosen by a hash of the
    request so runs repeat: a quote that is not in the article, an answer outside the
    quote, an article that was not sent, and invalid JSON, in equal parts."""

    def respond(payload: dict[str, Any]) -> dict[str, Any] | str:
        reply = base(payload)
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).digest()
        draw = int.from_bytes(digest[:4], "big") / 2**32
        if draw >= rate or not isinstance(reply, dict) or reply.get("answer") is None:
            return reply
        kind = int(draw / rate * 4)
        if kind == 0:
            return {**reply, "quote": "In other words, " + reply["quote"].lower()}
        if kind == 1:
            return {**reply, "answer": "something else entirely"}
        if kind == 2:
            return {**reply, "article_id": 987654321}
        return '{"answer": "unterminated'

    return respond
