"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class Settings(BaseSettings):
    """Every setting newsbot reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    db_path: Path = Field(default=DEFAULT_DB, validation_alias="NEWSBOT_DB")
    # A database URL wins over NEWSBOT_DB: postgresql://user:password@host/db. A
    # SecretStr, for the password: '**********' in any repr, log or validation error.
    database_url: SecretStr | None = Field(default=None, validation_alias="NEWSBOT_DATABASE_URL")
    # This process's shards ("0,1") of NEWSBOT_SHARD_COUNT; checked by shards().
    shard_ids: str = Field(default="", validation_alias="NEWSBOT_SHARDS")
    shard_count: int | None = Field(default=None, validation_alias="NEWSBOT_SHARD_COUNT")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    dev_guild: int | None = Field(default=None, validation_alias="NEWSBOT_DEV_GUILD")
    allow_private_urls: bool = Field(default=False, validation_alias="NEWSBOT_ALLOW_PRIVATE_URLS")
    ask_cooldown_seconds: float = Field(default=10.0, validation_alias="NEWSBOT_ASK_COOLDOWN")
    # None: the engine's fitted default (news.answer), measured on the dev set.
    answer_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, validation_alias="NEWSBOT_ANSWER_THRESHOLD"
    )
    # The optional model reader (an OpenAI-compatible chat server); an empty base URL
    # turns it off. The key is a SecretStr here and in ModelConfig: it
    # shows as '**********' in any repr, log or validation error.
    llm_base_url: str = Field(default="", validation_alias="NEWSBOT_LLM_BASE_URL", repr=False)
    llm_model: str = Field(default="", validation_alias="NEWSBOT_LLM_MODEL")
    llm_api_key: SecretStr | None = Field(default=None, validation_alias="NEWSBOT_LLM_API_KEY")
    llm_timeout: float = Field(
        default=20.0, gt=0.0, le=600.0, validation_alias="NEWSBOT_LLM_TIMEOUT"
    )
    llm_max_concurrency: int = Field(
        default=2, ge=1, le=64, validation_alias="NEWSBOT_LLM_MAX_CONCURRENCY"
    )
    llm_budget_words: int = Field(
        default=1500, ge=50, le=20_000, validation_alias="NEWSBOT_LLM_BUDGET_WORDS"
    )

    # Feeds: how many a server may follow, new items taken per poll, polls at once.
    feed_limit: int = Field(default=50, ge=1, le=1000, validation_alias="NEWSBOT_FEED_LIMIT")
    feed_max_items: int = Field(default=30, ge=1, le=200, validation_alias="NEWSBOT_FEED_MAX_ITEMS")
    feed_concurrency: int = Field(
        default=8, ge=1, le=64, validation_alias="NEWSBOT_FEED_CONCURRENCY"
    )

    # Insights: days the questions members asked, and their votes, are kept.
    insights_days: int = Field(default=90, ge=1, le=3650, validation_alias="NEWSBOT_INSIGHTS_DAYS")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR; got {value!r}")
        return level

    @field_validator("dev_guild", "answer_threshold", "shard_count", "database_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

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
            api_key=SecretStr(key) if key else None,
            timeout=self.llm_timeout,
            max_concurrency=self.llm_max_concurrency,
            budget_words=self.llm_budget_words,
        )

    @field_validator("llm_timeout", "llm_max_concurrency", "llm_budget_words", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and not value.strip():
            assert info.field_name is not None
            return cls.model_fields[info.field_name].default
        return value

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


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env`; keyword overrides win."""
    return Settings(**overrides)  # type: ignore[arg-type]


def settings_or_exit() -> Settings:
    """The settings, or one line naming each setting that does not parse (and exit 1):
    every command reads them all, so one bad value must not be a traceback everywhere.
    The values are not repeated: one may be a token or a password."""
    import click  # the command line's; the bot reads settings through it too

    try:
        return load_settings()
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'settings'}: {e['msg']}"
            for e in err.errors(include_url=False, include_input=False)
        )
        raise click.ClickException(f"A setting is not valid: {problems}.") from None


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
