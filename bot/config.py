"""Settings from the environment and `.env`, validated once at start-up.

A frozen dataclass and a small loader of our own: pydantic-settings, which read them
before, took ~150-180 ms to import, the most of any library in every command's start
(issue 24's target is 0.3 s; tests/cli/test_cold_imports.py keeps pydantic out).
Highest first: keyword overrides to :func:`load_settings`, the environment, the
`.env` file, the defaults. Names are matched in any case (``newsbot_db`` is
``NEWSBOT_DB``); a blank value is the default for every setting that is not plain
text. Every setting that does not parse, or is out of its range, is named in one
:class:`SettingsInvalid`, which never repeats a value (it may be a token or a password).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_type_hints
from urllib.parse import urlsplit

from news.secret import Secret
from storage.backend import database_url_problem, is_database_url
from storage.shards import Shards

if TYPE_CHECKING:
    from news.answer.model import ModelConfig

DEFAULT_DB = Path("data") / "newsbot.db"


class SettingsError(ValueError):
    """Settings that are each valid but do not fit together; the message names them."""


class MissingTokenError(RuntimeError):
    """Raised when the bot is started without a Discord token."""

    def __init__(self) -> None:
        super().__init__(
            "DISCORD_TOKEN is not set: copy .env.example to .env and put your bot's token "
            "(Discord Developer Portal -> your application -> Bot -> Reset Token) after DISCORD_TOKEN=."
        )


class SettingsInvalid(ValueError):
    """Settings that do not parse or are out of range, each named by its environment
    variable with the reason: ``NEWSBOT_FEED_LIMIT: must be a whole number``. Never
    the value, which may be a token or a password."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {why}" for name, why in self.problems.items()))


def _env(
    name: str, *, ge: float | None = None, gt: float | None = None, le: float | None = None
) -> dict[str, Any]:
    """A field's metadata: the environment variable it is read from, and its bounds."""
    return {"env": name, "ge": ge, "gt": gt, "le": le}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting newsbot reads; `.env.example` documents each one.

    ``Settings()`` is the defaults; :func:`load_settings` reads the environment and
    `.env`. The bounds and the log level are checked whichever way it is made
    (``dataclasses.replace`` included). A secret shows as '**********' in any repr.
    """

    discord_token: Secret | None = field(default=None, metadata=_env("DISCORD_TOKEN"))
    db_path: Path = field(default=DEFAULT_DB, metadata=_env("NEWSBOT_DB"))
    # A database URL wins over NEWSBOT_DB: postgresql://user:password@host/db. A
    # Secret, for the password: '**********' in any repr, log or error.
    database_url: Secret | None = field(default=None, metadata=_env("NEWSBOT_DATABASE_URL"))
    # This process's shards ("0,1") of NEWSBOT_SHARD_COUNT; checked by shards().
    shard_ids: str = field(default="", metadata=_env("NEWSBOT_SHARDS"))
    shard_count: int | None = field(default=None, metadata=_env("NEWSBOT_SHARD_COUNT"))
    log_level: str = field(default="INFO", metadata=_env("LOG_LEVEL"))
    dev_guild: int | None = field(default=None, metadata=_env("NEWSBOT_DEV_GUILD"))
    allow_private_urls: bool = field(default=False, metadata=_env("NEWSBOT_ALLOW_PRIVATE_URLS"))
    ask_cooldown_seconds: float = field(default=10.0, metadata=_env("NEWSBOT_ASK_COOLDOWN"))
    # None: the engine's fitted default (news.answer), measured on the dev set.
    answer_threshold: float | None = field(
        default=None, metadata=_env("NEWSBOT_ANSWER_THRESHOLD", ge=0.0, le=1.0)
    )
    # The optional model reader (an OpenAI-compatible chat server); an empty base URL
    # turns it off. It may hold user:password, so it stays out of repr. The key is a
    # Secret here and in ModelConfig: '**********' in any repr, log or error.
    llm_base_url: str = field(default="", repr=False, metadata=_env("NEWSBOT_LLM_BASE_URL"))
    llm_model: str = field(default="", metadata=_env("NEWSBOT_LLM_MODEL"))
    llm_api_key: Secret | None = field(default=None, metadata=_env("NEWSBOT_LLM_API_KEY"))
    llm_timeout: float = field(default=20.0, metadata=_env("NEWSBOT_LLM_TIMEOUT", gt=0.0, le=600.0))
    llm_max_concurrency: int = field(
        default=2, metadata=_env("NEWSBOT_LLM_MAX_CONCURRENCY", ge=1, le=64)
    )
    llm_budget_words: int = field(
        default=1500, metadata=_env("NEWSBOT_LLM_BUDGET_WORDS", ge=50, le=20_000)
    )

    # Feeds: how many a server may follow, new items taken per poll, polls at once.
    feed_limit: int = field(default=50, metadata=_env("NEWSBOT_FEED_LIMIT", ge=1, le=1000))
    feed_max_items: int = field(default=30, metadata=_env("NEWSBOT_FEED_MAX_ITEMS", ge=1, le=200))
    feed_concurrency: int = field(default=8, metadata=_env("NEWSBOT_FEED_CONCURRENCY", ge=1, le=64))

    # Insights: days the questions members asked, and their votes, are kept.
    insights_days: int = field(default=90, metadata=_env("NEWSBOT_INSIGHTS_DAYS", ge=1, le=3650))

    def __post_init__(self) -> None:
        problems = {
            f.metadata["env"]: why
            for f in fields(self)
            if (why := _out_of_range(f, getattr(self, f.name))) is not None
        }
        level = self.log_level.strip().upper()
        if level in logging.getLevelNamesMapping():
            object.__setattr__(self, "log_level", level)
        else:
            problems["LOG_LEVEL"] = "must be one of DEBUG, INFO, WARNING, ERROR"
        if problems:
            raise SettingsInvalid(_in_field_order(problems))

    def reader_config(self) -> ModelConfig | None:
        """The model reader's settings, or None when NEWSBOT_LLM_BASE_URL is empty (off).

        A base URL without a model, or one that is not http(s), is a SettingsError:
        a host who set the URL meant the reader to be on. The message never holds the
        key, nor a user or password written into the URL.
        """
        base = self.llm_base_url.strip()
        if not base:
            return None
        try:
            parts = urlsplit(base)
            scheme, host = parts.scheme.lower(), parts.hostname
            parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
        except ValueError:
            scheme, host = "", None
        if scheme not in ("http", "https") or not host:
            raise SettingsError(
                "NEWSBOT_LLM_BASE_URL must be an http:// or https:// address, "
                "for example http://localhost:11434/v1"
            )
        has_key = self.llm_api_key is not None and self.llm_api_key.get_secret_value().strip()
        if (parts.username or parts.password) and has_key:
            # aiohttp refuses a request with both (a traceback on every question), and
            # which of the two the server should trust is the host's choice, not ours.
            raise SettingsError(
                "NEWSBOT_LLM_BASE_URL holds a user or password and NEWSBOT_LLM_API_KEY is "
                "set too: keep only one way of logging in to the model server"
            )
        if not self.llm_model.strip():
            raise SettingsError(
                "NEWSBOT_LLM_BASE_URL is set but NEWSBOT_LLM_MODEL is empty: name the model "
                "to ask (for example llama3.1:8b), or empty the base URL to turn the reader off"
            )
        # Imported here: the reader pulls in aiohttp, which commands without it skip.
        from news.answer.model import ModelConfig

        key = self.llm_api_key.get_secret_value().strip() if self.llm_api_key else ""
        return ModelConfig(
            base,
            self.llm_model.strip(),
            api_key=Secret(key) if key else None,
            timeout=self.llm_timeout,
            max_concurrency=self.llm_max_concurrency,
            budget_words=self.llm_budget_words,
        )

    def database_location(self) -> str | Path:
        """Where the stores are: NEWSBOT_DATABASE_URL when set, else the NEWSBOT_DB file."""
        url = self.database_url.get_secret_value().strip() if self.database_url else ""
        if not url:
            return self.db_path
        return checked_location(url, "NEWSBOT_DATABASE_URL")

    def shards(self) -> Shards | None:
        """The shards this process serves, or None for every guild (one process)."""
        return parse_shards(self.shard_ids, self.shard_count)

    def require_token(self) -> str:
        """The token, or a MissingTokenError that says what to set and where."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise MissingTokenError()
        return self.discord_token.get_secret_value().strip()


# What a value that does not parse is told, by the field's type.
_REASONS: dict[type, str] = {
    int: "must be a whole number",
    float: "must be a valid number",
    bool: "must be true or false (or 1/0, yes/no, on/off)",
    str: "must be text",
    Path: "must be a path",
    Secret: "must be text",
}
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
# 12, +12, 1_000, and 12.0 (a whole number written as one).
_WHOLE = re.compile(r"[+-]?\d+(?:_\d+)*(?:\.0*)?", re.ASCII)


class _Bad(Exception):
    """A value that does not parse; the reason is by type, never the value."""


def _kinds() -> dict[str, tuple[type, bool]]:
    """Each field's type, and whether it may be None: ``int | None`` is (int, True)."""
    kinds = {}
    for name, hint in get_type_hints(Settings).items():
        args = get_args(hint) or (hint,)
        kinds[name] = (next(a for a in args if a is not type(None)), type(None) in args)
    return kinds


_KINDS = _kinds()
_ORDER = {f.metadata["env"]: i for i, f in enumerate(fields(Settings))}


def _in_field_order(problems: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(problems.items(), key=lambda item: _ORDER[item[0]]))


def _out_of_range(f: Field[Any], value: Any) -> str | None:
    """Why ``value`` is outside the field's bounds, or None."""
    if value is None:
        return None
    gt, ge, le = f.metadata.get("gt"), f.metadata.get("ge"), f.metadata.get("le")
    if gt is not None and not value > gt:
        return f"must be greater than {gt:g}"
    if ge is not None and not value >= ge:
        return f"must be at least {ge:g}"
    if le is not None and not value <= le:
        return f"must be at most {le:g}"
    return None


def _parse(kind: type, text: str) -> Any:
    """A non-blank string as ``kind``, or _Bad."""
    if kind is Path:
        return Path(text)
    if kind is Secret:
        return Secret(text)
    word = text.strip()
    if kind is bool and word.lower() in _TRUE | _FALSE:
        return word.lower() in _TRUE
    if kind is int and _WHOLE.fullmatch(word):
        with contextlib.suppress(ValueError):  # over Python's 4,300 digits
            return int(word.split(".")[0])
    if kind is float and word.isascii():
        try:
            number = float(word)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise _Bad(_REASONS[kind])


def _value(f: Field[Any], given: object) -> Any:
    """``given`` (a string from the environment or `.env`, or an override's value) as
    the field's type. A blank string is the default, except for plain text."""
    kind, optional = _KINDS[f.name]
    if isinstance(given, str):
        if kind is str:
            return given
        return f.default if not given.strip() else _parse(kind, given)
    if given is None:
        if optional:
            return None
        raise _Bad(_REASONS[kind])
    if kind is float and isinstance(given, int) and not isinstance(given, bool):
        given = float(given)
    if isinstance(given, bool) and kind is not bool:
        raise _Bad(_REASONS[kind])
    if not isinstance(given, kind) or (isinstance(given, float) and not math.isfinite(given)):
        raise _Bad(_REASONS[kind])
    return given


class _Source:
    """Variables looked up by name in any case; the name as written wins."""

    def __init__(self, values: Mapping[str, str | None]) -> None:
        self.exact = {name: value for name, value in values.items() if value is not None}
        self.folded = {name.lower(): value for name, value in self.exact.items()}

    def get(self, name: str) -> str | None:
        value = self.exact.get(name)
        return value if value is not None else self.folded.get(name.lower())


def _read_env_file(path: str | Path | None) -> _Source:
    if path is None or not Path(path).is_file():
        return _Source({})
    # Imported only when there is a file to read: python-dotenv costs ~18 ms.
    from dotenv import dotenv_values

    return _Source(dotenv_values(path, encoding="utf-8"))


def load_settings(_env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    """Read settings from the environment and `.env`; keyword overrides (by field name)
    win. ``_env_file=None`` reads no file. Raises SettingsInvalid naming every
    setting that does not parse or is out of range."""
    unknown = overrides.keys() - _KINDS.keys()
    if unknown:
        raise TypeError(f"no such setting: {', '.join(sorted(unknown))}")
    sources = (_Source(os.environ), _read_env_file(_env_file))
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in fields(Settings):
        env = f.metadata["env"]
        if f.name in overrides:
            given: object = overrides[f.name]
        else:
            given = next((v for v in (s.get(env) for s in sources) if v is not None), None)
            if given is None:
                continue
        try:
            values[f.name] = _value(f, given)
        except _Bad as bad:
            problems[env] = str(bad)
    try:
        settings = Settings(**values)
    except SettingsInvalid as err:
        problems.update(err.problems)
    if problems:
        raise SettingsInvalid(_in_field_order(problems))
    return settings


def settings_or_exit() -> Settings:
    """The settings, or one line naming each setting that does not parse (and exit 1):
    every command reads them all, so one bad value must not be a traceback everywhere.
    The values are not repeated: one may be a token or a password."""
    import click  # the command line's; the bot reads settings through it too

    try:
        return load_settings()
    except SettingsInvalid as err:
        raise click.ClickException(f"A setting is not valid: {err}.") from None


def checked_location(text: str, name: str) -> str | Path:
    """A database location as given in ``name``: a URL newsbot opens (PostgreSQL's, or
    ``sqlite:///path``), else a SQLite file's path. Any other URL is a SettingsError
    whose message does not repeat it (it may hold a password)."""
    if "://" not in text:
        return Path(text)
    if not is_database_url(text):
        raise SettingsError(
            f"{name} must be a SQLite file or a URL starting with postgresql:// (for example "
            "postgresql://newsbot:PASSWORD@localhost/newsbot) or sqlite:///"
        )
    problem = database_url_problem(text)
    if problem is not None:
        raise SettingsError(f"{name}: {problem}")
    return text


def parse_shards(
    ids: str,
    count: int | None,
    *,
    ids_name: str = "NEWSBOT_SHARDS",
    count_name: str = "NEWSBOT_SHARD_COUNT",
) -> Shards | None:
    """The shards ``ids`` ("0,1") of ``count``; None when neither is set (every guild).

    A count alone means this process holds all its shards (discord.py connects each).
    Anything that does not fit is a SettingsError in one line naming ``ids_name`` and
    ``count_name`` (the settings, or the command line's options).
    """
    text = ids.strip()
    if not text and count is None:
        return None
    if count is None:
        raise SettingsError(
            f"{ids_name} is set but {count_name} is not: give the number of shards all the "
            f"bot's processes share, for example {ids_name}=0,1 with {count_name}=4"
        )
    if count < 1:
        raise SettingsError(f"{count_name} must be at least 1; got {count}")
    if not text:
        return Shards(tuple(range(count)), count)
    shards: list[int] = []
    for part in text.split(","):
        piece = part.strip()
        if not (piece.isascii() and piece.isdigit()):
            raise SettingsError(
                f"{ids_name} must be shard numbers separated by commas, for example 0,1; "
                f"got {ids.strip()[:40]!r}"
            )
        shard = int(piece)
        if shard >= count:
            raise SettingsError(
                f"{ids_name}: shard {shard} is not below {count_name}={count} "
                f"(shards are numbered 0 to {count - 1})"
            )
        if shard in shards:
            raise SettingsError(f"{ids_name}: shard {shard} is listed twice")
        shards.append(shard)
    return Shards(tuple(shards), count)
