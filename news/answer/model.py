"""The model reader: an OpenAI-compatible chat server answers from the same passages
as the offline engine, and its answer is used only when its quote checks out and
does not contradict a committed offline answer (then the passages are shown).

One ``POST {base}/chat/completions`` per question, temperature 0, asking for
``{"answer": string or null, "quote": string, "article_id": integer}`` through
``response_format`` (a server that rejects it is asked again, once, with the JSON
described in the prompt, and is not offered it again). The reply is checked by
:func:`news.answer.quotes.verify`; anything else (a failed check, a timeout, a
connection error, an HTTP error, a malformed reply) gives back the offline answer
within the timeout, and the log says why.

A 429 or 5xx backs the reader off before its next call; after
:data:`BREAKER_FAILURES` failures in a row it is skipped for
:data:`BREAKER_SECONDS`. Asks beyond ``max_concurrency`` queue, and time in the queue
counts against the timeout, so a member always has an answer within it.

The base URL is the host's own setting (loopback or a private network are fine);
the rules for URLs that members give do not apply to it. The API key is a
:class:`news.secret.Secret`: it is sent in the Authorization header and nowhere else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import aiohttp
from yarl import URL

from news.answer.model_wire import (
    WireFailure,
    chat_payload,
    model_ids,
    parse_reply,
    read_capped,
    reply_content,
    retry_after_seconds,
    url_path,
)
from news.answer.quotes import (
    DEFAULT_BUDGET_WORDS,
    Context,
    ContextPassage,
    Reply,
    Verdict,
    agrees,
    build_context,
    disputed,
    not_found,
    verify,
)
from news.answer.reader import Answer, Passage
from news.secret import Secret

log = logging.getLogger(__name__)

T = TypeVar("T")
# How the desk runs CPU work off the event loop: ``await run(fn, *args)``.
Runner = Callable[..., Awaitable[Any]]

DEFAULT_TIMEOUT = 20.0
DEFAULT_CONCURRENCY = 2
# A verified answer's confidence. It is not calibrated (no model was measured here);
# bench/llm_eval.py reports a model's F1 on verified answers, from which a host may
# set it.
DEFAULT_CONFIDENCE = 0.5
BREAKER_FAILURES = 5
BREAKER_SECONDS = 60.0
# After a 429 or 5xx: Retry-After when the server gives it, else 2, 4, 8 ... seconds.
BACKOFF_FIRST = 2.0
BACKOFF_MAX = 60.0


@dataclass(frozen=True)
class ModelConfig:
    """The host's settings for the model reader; an empty base URL turns it off."""

    # A base URL may carry a user and password: it stays out of repr, like the key.
    base_url: str = field(repr=False)
    model: str
    api_key: Secret | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_concurrency: int = DEFAULT_CONCURRENCY
    budget_words: int = DEFAULT_BUDGET_WORDS
    confidence: float = DEFAULT_CONFIDENCE

    def __post_init__(self) -> None:
        if isinstance(self.api_key, str):  # a plain string is wrapped, never kept bare
            object.__setattr__(self, "api_key", Secret(self.api_key) if self.api_key else None)
        if self.timeout <= 0:
            raise ValueError("the model timeout must be positive")
        if self.max_concurrency < 1:
            raise ValueError("the model concurrency must be at least 1")
        if self.budget_words < 50:
            raise ValueError("the model's word budget must be at least 50")

    @property
    def enabled(self) -> bool:
        return bool(self.base_url.strip()) and bool(self.model.strip())

    @property
    def shown_url(self) -> str:
        """The base URL without any user or password in it, for logs and reports."""
        try:
            return str(URL(self.base_url.strip()).with_user(None))
        except (ValueError, TypeError):
            return "(invalid URL)"


Status = Literal["verified", "not_found", "disputed", "rejected", "fallback", "offline"]


@dataclass(frozen=True)
class ReaderOutcome:
    """Which reader answered one question, and why.

    ``reader`` is "model" when the shown answer is the model's (verified) or the
    model said the articles do not answer (``not_found``); otherwise "offline", with
    ``status`` "disputed" (a checked reply disagreed with a committed offline answer:
    passages are shown, neither answer), "rejected" (the reply failed the check),
    "fallback" (no usable reply) or "offline" (the model reader was not asked), and
    ``reason`` says why.
    """

    reader: Literal["model", "offline"]
    status: Status
    reason: str = ""
    model: str | None = None
    latency_ms: float | None = None
    context: Context | None = field(default=None, repr=False)

    @property
    def footer(self) -> str:
        if self.status == "verified":
            return f"answered by {self.model}, quote checked"
        if self.status == "not_found":
            return f"answered by {self.model}: not found in these articles"
        if self.status == "disputed":
            return f"{self.model} and the offline engine disagree: passages shown"
        return "offline engine"

    @classmethod
    def offline(cls, reason: str = "the model reader is off") -> ReaderOutcome:
        return cls("offline", "offline", reason)


@dataclass(frozen=True)
class CheckReport:
    """What one tiny request to the server showed (``newsbot doctor`` / ``llm check``)."""

    base_url: str  # without credentials
    model: str
    server_answers: bool
    model_listed: bool | None  # None: GET /models did not give a list
    response_format: bool | None  # None: unknown (the server did not answer)
    latency_ms: float | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.server_answers and self.model_listed is not False

    def lines(self) -> list[str]:
        def yes(v: bool | None) -> str:
            return "unknown" if v is None else ("yes" if v else "no")

        out = [
            f"server {self.base_url}: {'answers' if self.server_answers else 'does not answer'}"
            + (f" ({self.latency_ms:.0f} ms)" if self.latency_ms is not None else ""),
            f"model {self.model} listed by /models: {yes(self.model_listed)}",
            f"accepts response_format json_schema: {yes(self.response_format)}",
        ]
        return out + [f"problem: {p}" for p in self.problems]


async def _inline(fn: Callable[..., T], *args: Any) -> T:
    return fn(*args)


class ModelReader:
    """An OpenAI-compatible chat server as an answer reader (one per desk).

    ``clock`` is injectable so tests can step through back-off and the breaker.
    """

    def __init__(
        self,
        config: ModelConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        session: aiohttp.ClientSession | None = None,
    ):
        self.config = config
        self._clock = clock
        self._session = session
        self._own_session = session is None
        self._slots = asyncio.Semaphore(config.max_concurrency)
        self._schema_ok = True  # until the server rejects response_format
        self._failures = 0
        self._backoff = 0.0
        self._not_before = float("-inf")
        self._not_before_why = ""
        self._skip_until = float("-inf")

    def __repr__(self) -> str:
        return f"ModelReader(model={self.config.model!r}, base_url={self.config.shown_url!r})"

    @property
    def endpoint(self) -> str:
        return self.config.base_url.strip().rstrip("/") + "/chat/completions"

    async def close(self) -> None:
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    # -------------------------------------------------------------- answering

    async def read(
        self,
        question: str,
        passages: Sequence[Passage],
        offline: Answer,
        *,
        run: Runner = _inline,
    ) -> tuple[Answer, ReaderOutcome]:
        """The answer to show for ``question``, and which reader gave it.

        ``passages`` and ``offline`` are what the offline engine was given and gave.
        ``run`` runs CPU work (building the context, checking the quote) off the loop.
        Never raises for the server's sake: every failure gives back ``offline``.
        """
        model = self.config.model
        started = self._clock()
        context: Context | None = None

        def fallback(
            status: Status, reason: str, level: int = logging.INFO
        ) -> tuple[Answer, ReaderOutcome]:
            ms = 1000 * (self._clock() - started)
            log.log(level, "model reader fell back to the offline engine: %s", reason)
            return offline, ReaderOutcome("offline", status, reason, model, ms, context)

        now = self._clock()
        # While skipped or backing off, each ask says so only at debug level: the
        # breaker said it once when it opened.
        if now < self._skip_until:
            return fallback("fallback", "skipped after repeated failures", logging.DEBUG)
        if now < self._not_before:
            left = self._not_before - now
            why = f"backing off {left:.0f} s after {self._not_before_why}"
            return fallback("fallback", why, logging.DEBUG)
        try:
            context = await run(
                build_context, question, passages, offline, self.config.budget_words
            )
        except Exception:  # a bug here must not cost the member the offline answer
            log.exception("model reader: building the context failed")
            return fallback("fallback", "building the context failed")
        if not context.passages:
            return fallback("fallback", "no passage to send")
        try:
            reply = await self._ask(context)
        except WireFailure as failure:
            self._failed(failure)
            return fallback("fallback", failure.reason)
        self._succeeded()
        ms = 1000 * (self._clock() - started)
        aid = reply.article_id
        if reply.answer is None or not reply.answer.strip():
            log.info("model reader: %s found no answer (%.0f ms)", model, ms)
            outcome = ReaderOutcome("model", "not_found", "", model, ms, context)
            return not_found(offline), outcome
        try:
            verdict = await run(_verify, reply, context, passages, offline, self.config.confidence)
        except Exception:
            log.exception("model reader: checking the reply failed")
            return fallback("fallback", "checking the reply failed")
        if verdict.answer is None:
            return fallback("rejected", f"reply rejected: {verdict.reason}")
        if offline.committed and not agrees(verdict.answer, offline):
            # A checked quote proves only that the article says it; an article can be
            # planted to say anything. Against a confident offline answer, neither wins.
            log.info(
                "model reader: %s and the offline engine disagree; passages shown (%.0f ms)",
                model,
                ms,
            )
            why = "the model and the offline engine disagree"
            outcome = ReaderOutcome("offline", "disputed", why, model, ms, context)
            return disputed(verdict.answer, offline), outcome
        log.info("model reader: %s answered from #%d, quote checked (%.0f ms)", model, aid, ms)
        return verdict.answer, ReaderOutcome("model", "verified", "", model, ms, context)

    def _failed(self, failure: WireFailure) -> None:
        now = self._clock()
        if failure.status == 429 or (failure.status is not None and failure.status >= 500):
            self._backoff = min(BACKOFF_MAX, self._backoff * 2 or BACKOFF_FIRST)
            wait = failure.retry_after if failure.retry_after is not None else self._backoff
            self._not_before = now + min(BACKOFF_MAX, max(0.0, wait))
            self._not_before_why = f"HTTP {failure.status}"
        self._failures += 1
        if self._failures >= BREAKER_FAILURES and now >= self._skip_until:
            self._skip_until = now + BREAKER_SECONDS
            log.warning(
                "model reader: %d failures in a row (last: %s); skipped for %.0f s, "
                "the offline engine answers",
                self._failures,
                failure.reason,
                BREAKER_SECONDS,
            )

    def _succeeded(self) -> None:
        self._failures = 0
        self._backoff = 0.0

    async def _ask(self, context: Context) -> Reply:
        """One reply within the timeout (queueing included), or a WireFailure."""
        try:
            async with asyncio.timeout(self.config.timeout):
                async with self._slots:
                    return await self._exchange(context)
        except TimeoutError:
            raise WireFailure(f"no reply within {self.config.timeout:g} s") from None

    async def _exchange(self, context: Context) -> Reply:
        user = context.user_message()
        if self._schema_ok:
            try:
                return parse_reply(await self._post(chat_payload(self.config.model, user, True)))
            except WireFailure as failure:
                if failure.status not in (400, 422):
                    raise
            content = await self._post(chat_payload(self.config.model, user, False))
            self._schema_ok = False
            log.info(
                "model reader: the server rejected response_format; the JSON is asked "
                "for in the prompt from now on"
            )
            return parse_reply(content)
        return parse_reply(await self._post(chat_payload(self.config.model, user, False)))

    # -------------------------------------------------------------- HTTP

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None:
            headers = {"Accept": "application/json"}
            if self.config.api_key:
                headers["Authorization"] = f"Bearer {self.config.api_key.get_secret_value()}"
            self._session = aiohttp.ClientSession(
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.config.timeout),
            )
        return self._session

    async def _post(self, payload: dict[str, Any]) -> str:
        """The reply's message content, or a WireFailure (no exception text of aiohttp
        reaches a reason: it could carry the request's headers)."""
        return await self._call("POST", self.endpoint, payload, reply_content)

    async def _call(
        self,
        method: str,
        url: str,
        payload: dict[str, Any] | None,
        pick: Callable[[Any], T],
    ) -> T:
        try:
            async with self._session_now().request(
                method, url, json=payload, allow_redirects=False
            ) as resp:
                body = await read_capped(resp)
                if resp.status >= 300:
                    raise WireFailure(
                        f"HTTP {resp.status} from {method} {url_path(url)}",
                        status=resp.status,
                        retry_after=retry_after_seconds(resp.headers.get("Retry-After")),
                    )
        except WireFailure:
            raise
        except TimeoutError:
            raise
        except aiohttp.InvalidURL:
            raise WireFailure("the model base URL is not a valid URL") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise WireFailure(f"cannot reach the model server ({type(exc).__name__})") from None
        try:
            return pick(json.loads(body))
        # RecursionError: a body nested deeper than the parser's stack is malformed
        # too, and must count toward the breaker like any other malformed reply.
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            raise WireFailure(f"malformed response from {url_path(url)}") from None

    # -------------------------------------------------------------- the check

    async def check(self) -> CheckReport:
        """One GET /models and one tiny chat request: does the server answer, does it
        know the model, does it accept response_format. Leaves back-off and the
        breaker as they were."""
        cfg = self.config
        problems: list[str] = []
        base = cfg.base_url.strip().rstrip("/")
        listed: bool | None = None
        try:
            async with asyncio.timeout(cfg.timeout):
                ids = await self._call("GET", base + "/models", None, model_ids)
            listed = cfg.model in ids
            if not listed:
                problems.append(f"model {cfg.model} is not in the server's /models list")
        except WireFailure as failure:
            problems.append(failure.reason)
        except TimeoutError:
            problems.append(f"GET /models: no reply within {cfg.timeout:g} s")
        probe = Context(
            "What colour is the door?", (ContextPassage(1, "Probe", "The door is green.", 6),)
        ).user_message()
        answers = False
        schema: bool | None = None
        started = self._clock()
        for with_schema in (True, False):
            try:
                async with asyncio.timeout(cfg.timeout):
                    await self._post(chat_payload(cfg.model, probe, with_schema))
                answers, schema = True, with_schema
                break
            except WireFailure as failure:
                if with_schema and failure.status in (400, 422):
                    continue
                problems.append(failure.reason)
                break
            except TimeoutError:
                problems.append(f"POST /chat/completions: no reply within {cfg.timeout:g} s")
                break
        if answers and schema is False:
            problems.append(
                "the server rejects response_format; the JSON is asked for in the prompt"
            )
        ms = 1000 * (self._clock() - started) if answers else None
        return CheckReport(cfg.shown_url, cfg.model, answers, listed, schema, ms, tuple(problems))


def _verify(
    reply: Reply, context: Context, passages: Sequence[Passage], offline: Answer, conf: float
) -> Verdict:
    return verify(reply, context, passages, offline, confidence=conf)
