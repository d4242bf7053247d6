"""Settings: where they come from (overrides, the environment in any case, `.env`), how
each is parsed, and one error naming every bad one without repeating its value."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from dataclasses import FrozenInstanceError, asdict, fields, replace
from pathlib import Path

import click
import pytest

from bot.config import DEFAULT_DB, Settings, SettingsInvalid, load_settings, settings_or_exit
from news.secret import Secret

ENV_NAMES = [f.metadata["env"] for f in fields(Settings)]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No setting in the environment, in any case, and no .env in the working folder."""
    import os

    wanted = {name.lower() for name in ENV_NAMES}
    for name in list(os.environ):
        if name.lower() in wanted:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.mark.parametrize(("raw", "expected"), [("", None), ("0.6", 0.6), ("0", 0.0), ("1", 1.0)])
def test_answer_threshold(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: float | None
) -> None:
    monkeypatch.setenv("NEWSBOT_ANSWER_THRESHOLD", raw)
    assert load_settings(_env_file=None).answer_threshold == expected


@pytest.mark.parametrize("raw", ["1.5", "-0.1", "high"])
def test_a_threshold_outside_0_to_1_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("NEWSBOT_ANSWER_THRESHOLD", raw)
    with pytest.raises(SettingsInvalid, match="NEWSBOT_ANSWER_THRESHOLD"):
        load_settings(_env_file=None)


def test_no_threshold_means_the_engines_default() -> None:
    assert load_settings(_env_file=None).answer_threshold is None


def test_nothing_set_is_the_defaults() -> None:
    assert load_settings(_env_file=None) == Settings()
    s = Settings()
    assert (s.db_path, s.log_level, s.feed_limit, s.llm_timeout) == (DEFAULT_DB, "INFO", 50, 20.0)


# -- where the settings come from ----------------------------------------------------


@pytest.mark.parametrize("name", ["newsbot_feed_limit", "Newsbot_Feed_Limit", "NEWSBOT_FEED_LIMIT"])
def test_names_are_matched_in_any_case(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "7")
    assert load_settings(_env_file=None).feed_limit == 7


def test_the_name_as_written_wins_over_another_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("newsbot_feed_limit", "7")
    monkeypatch.setenv("NEWSBOT_FEED_LIMIT", "9")
    assert load_settings(_env_file=None).feed_limit == 9


def test_the_env_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / "settings.env"
    env_file.write_text(
        "# a comment\nNEWSBOT_FEED_LIMIT=12\nnewsbot_insights_days=30\n"
        'DISCORD_TOKEN="tok-from-file"\nNEWSBOT_LLM_MODEL=llama3.1:8b\nSOMETHING_ELSE=1\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("NEWSBOT_LLM_MODEL", "from-the-environment")
    s = load_settings(_env_file=env_file)
    assert (s.feed_limit, s.insights_days, s.llm_model) == (12, 30, "from-the-environment")
    assert s.require_token() == "tok-from-file"
    # str paths work too; None, or a file that is not there, reads nothing.
    assert load_settings(_env_file=str(env_file)).feed_limit == 12
    assert load_settings(_env_file=None).feed_limit == 50
    assert load_settings(_env_file=tmp_path / "missing.env").feed_limit == 50


def test_the_default_env_file_is_dot_env_in_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NEWSBOT_FEED_CONCURRENCY=3\n", encoding="utf-8")
    assert load_settings().feed_concurrency == 3
    assert settings_or_exit().feed_concurrency == 3


def test_overrides_win_over_everything(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "o.env"
    env_file.write_text("NEWSBOT_FEED_LIMIT=12\n", encoding="utf-8")
    monkeypatch.setenv("NEWSBOT_FEED_LIMIT", "13")
    s = load_settings(_env_file=env_file, feed_limit=14, db_path="x/y.db", llm_timeout=5)
    assert (s.feed_limit, s.db_path, s.llm_timeout) == (14, Path("x/y.db"), 5.0)
    assert isinstance(s.llm_timeout, float)
    # Typed overrides are taken as they are, and still checked.
    with pytest.raises(SettingsInvalid, match="NEWSBOT_FEED_LIMIT: must be at most 1000"):
        load_settings(_env_file=None, feed_limit=5000)
    with pytest.raises(SettingsInvalid, match="NEWSBOT_FEED_LIMIT: must be a whole number"):
        load_settings(_env_file=None, feed_limit=True)
    with pytest.raises(TypeError, match="feed_limitt"):
        load_settings(_env_file=None, feed_limitt=5)


# -- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[(word, True) for word in ("1", "true", "TRUE", "yes", "Yes", "on", "t", "Y", " on ")],
        *[(word, False) for word in ("0", "false", "False", "no", "OFF", "f", "n", "")],
    ],
)
def test_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", raw)
    assert load_settings(_env_file=None).allow_private_urls is expected


@pytest.mark.parametrize("raw", ["2", "maybe", "truee", "-1"])
def test_a_boolean_that_is_neither_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", raw)
    with pytest.raises(SettingsInvalid, match="NEWSBOT_ALLOW_PRIVATE_URLS: must be true or false"):
        load_settings(_env_file=None)


@pytest.mark.parametrize(
    ("raw", "expected"), [("12", 12), (" 12 ", 12), ("+3", 3), ("1_000", 1000), ("40.0", 40)]
)
def test_whole_numbers(monkeypatch: pytest.MonkeyPatch, raw: str, expected: int) -> None:
    monkeypatch.setenv("NEWSBOT_FEED_LIMIT", raw)
    assert load_settings(_env_file=None).feed_limit == expected


@pytest.mark.parametrize(
    "raw", ["4.5", "1e2", "ten", "１２", "0x10", pytest.param("9" * 5000, id="5000-digits")]
)
def test_a_whole_number_that_is_not_one_is_refused(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("NEWSBOT_FEED_LIMIT", raw)
    with pytest.raises(SettingsInvalid, match="NEWSBOT_FEED_LIMIT: must be a whole number"):
        load_settings(_env_file=None)


@pytest.mark.parametrize("raw", ["inf", "nan", "-inf", "soon", "١٠"])
def test_a_number_must_be_finite(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("NEWSBOT_LLM_TIMEOUT", raw)
    with pytest.raises(SettingsInvalid, match="NEWSBOT_LLM_TIMEOUT: must be a valid number"):
        load_settings(_env_file=None)


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_means_the_default_for_every_setting_that_is_not_text(
    monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    texts = {"NEWSBOT_SHARDS", "LOG_LEVEL", "NEWSBOT_LLM_BASE_URL", "NEWSBOT_LLM_MODEL"}
    for name in ENV_NAMES:
        if name not in texts:
            monkeypatch.setenv(name, blank)
    assert load_settings(_env_file=None) == Settings()
    # Plain text is kept as it is; a blank log level is not a level.
    monkeypatch.setenv("NEWSBOT_LLM_MODEL", blank)
    assert load_settings(_env_file=None).llm_model == blank
    monkeypatch.setenv("LOG_LEVEL", blank)
    with pytest.raises(SettingsInvalid, match="LOG_LEVEL: must be one of"):
        load_settings(_env_file=None)


def test_paths_secrets_and_the_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_DB", "srv/news.db")
    monkeypatch.setenv("NEWSBOT_LLM_API_KEY", "sk-Path-Test-1")
    monkeypatch.setenv("LOG_LEVEL", " debug ")
    monkeypatch.setenv("NEWSBOT_DEV_GUILD", "123456789012345678")
    s = load_settings(_env_file=None)
    assert s.db_path == Path("srv/news.db") and s.log_level == "DEBUG"
    assert s.llm_api_key == Secret("sk-Path-Test-1") and s.dev_guild == 123456789012345678


# -- errors ----------------------------------------------------------------------------


def test_every_bad_setting_is_named_in_one_error_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = {
        "NEWSBOT_FEED_LIMIT": "Walrus-11",
        "NEWSBOT_LLM_TIMEOUT": "0",
        "NEWSBOT_ALLOW_PRIVATE_URLS": "Narwhal-22",
        "LOG_LEVEL": "Puffin-33",
        "NEWSBOT_INSIGHTS_DAYS": "99999",
        "NEWSBOT_ASK_COOLDOWN": "Otter-44",
    }
    for name, value in bad.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsInvalid) as err:
        load_settings(_env_file=None)
    assert err.value.problems == {
        "LOG_LEVEL": "must be one of DEBUG, INFO, WARNING, ERROR",
        "NEWSBOT_ALLOW_PRIVATE_URLS": "must be true or false (or 1/0, yes/no, on/off)",
        "NEWSBOT_ASK_COOLDOWN": "must be a valid number",
        "NEWSBOT_LLM_TIMEOUT": "must be greater than 0",
        "NEWSBOT_FEED_LIMIT": "must be a whole number",
        "NEWSBOT_INSIGHTS_DAYS": "must be at most 3650",
    }
    assert list(err.value.problems) == [name for name in ENV_NAMES if name in bad]  # in order
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)
    marked = [value for value in bad.values() if "-" in value]  # "0" is in the reasons
    for value in marked:
        assert value not in str(err.value) and value not in repr(err.value)

    with pytest.raises(click.ClickException) as exit_err:
        settings_or_exit()
    line = exit_err.value.message
    assert line.startswith("A setting is not valid: LOG_LEVEL: must be one of") and line.endswith(
        "."
    )
    assert "; NEWSBOT_LLM_TIMEOUT: must be greater than 0; " in line
    for value in marked:
        assert value not in line


def test_a_bad_value_in_the_env_file_is_named_too(tmp_path: Path) -> None:
    env_file = tmp_path / "bad.env"
    env_file.write_text("NEWSBOT_LLM_MAX_CONCURRENCY=0\n", encoding="utf-8")
    with pytest.raises(SettingsInvalid, match=r"^NEWSBOT_LLM_MAX_CONCURRENCY: must be at least 1$"):
        load_settings(_env_file=env_file)


# -- the settings object ---------------------------------------------------------------


def test_settings_are_frozen_and_replace_checks_again() -> None:
    s = load_settings(_env_file=None, discord_token="tok-Frozen-5")
    with pytest.raises(FrozenInstanceError):
        s.feed_limit = 3  # type: ignore[misc]
    assert replace(s, feed_limit=3).feed_limit == 3
    with pytest.raises(SettingsInvalid, match="NEWSBOT_FEED_LIMIT"):
        replace(s, feed_limit=0)
    with pytest.raises(SettingsInvalid, match="LOG_LEVEL"):
        replace(s, log_level="LOUD")


def test_no_secret_is_ever_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "DISCORD_TOKEN": "tok-Heron-71",
        "NEWSBOT_DATABASE_URL": "postgresql://news:Pw-Heron-72@db/news",
        "NEWSBOT_LLM_API_KEY": "sk-Heron-73",
        "NEWSBOT_LLM_BASE_URL": "http://ada:Pw-Heron-74@llm.example/v1",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    s = load_settings(_env_file=None)
    shown = [repr(s), str(s), f"{s}", repr(copy.deepcopy(s)), repr(asdict(s)["discord_token"])]
    for needle in ("Heron-71", "Heron-72", "Heron-73", "Heron-74"):
        assert not any(needle in text for text in shown), needle
    assert s.require_token() == "tok-Heron-71"
    assert pickle.loads(pickle.dumps(s)) == s
