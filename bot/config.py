"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = Path("data") / "newsbot.db"


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
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    dev_guild: int | None = Field(default=None, validation_alias="NEWSBOT_DEV_GUILD")
    allow_private_urls: bool = Field(default=False, validation_alias="NEWSBOT_ALLOW_PRIVATE_URLS")
    ask_cooldown_seconds: float = Field(default=10.0, validation_alias="NEWSBOT_ASK_COOLDOWN")
    # None: the engine's fitted default (news.answer), measured on the dev set.
    answer_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, validation_alias="NEWSBOT_ANSWER_THRESHOLD"
    )

    # Feeds: how many a server may follow, new items taken per poll, polls at once.
    feed_limit: int = Field(default=50, ge=1, le=1000, validation_alias="NEWSBOT_FEED_LIMIT")
    feed_max_items: int = Field(default=30, ge=1, le=200, validation_alias="NEWSBOT_FEED_MAX_ITEMS")
    feed_concurrency: int = Field(
        default=8, ge=1, le=64, validation_alias="NEWSBOT_FEED_CONCURRENCY"
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR; got {value!r}")
        return level

    @field_validator("dev_guild", "answer_threshold", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    def require_token(self) -> str:
        """The token, or a MissingTokenError that says what to set and where."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise MissingTokenError()
        return self.discord_token.get_secret_value().strip()


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env`; keyword overrides win."""
    return Settings(**overrides)  # type: ignore[arg-type]
