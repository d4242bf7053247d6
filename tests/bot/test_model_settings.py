"""The model reader's settings (NEWSBOT_LLM_*), the desk's choice of reader, and the
/ask card's footer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import discord
import pytest

from bot import render
from bot.app.desk import NewsDesk
from bot.app.readers import READER_OFF
from bot.config import Settings, SettingsError, SettingsInvalid, load_settings
from news.answer.model import ModelConfig
from news.errors import InputError
from news.secret import Secret
from tests.conftest import make_article

KEY = "sk-settings-HIDDEN-0042"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("BASE_URL", "MODEL", "API_KEY", "TIMEOUT", "MAX_CONCURRENCY", "BUDGET_WORDS"):
        monkeypatch.delenv(f"NEWSBOT_LLM_{name}", raising=False)
    yield


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(f"NEWSBOT_LLM_{name}", value)
    return load_settings(_env_file=None)


def test_an_empty_base_url_turns_the_reader_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings(monkeypatch).reader_config() is None
    assert settings(monkeypatch, BASE_URL="  ", MODEL="m", API_KEY=KEY).reader_config() is None


def test_the_settings_become_a_model_config(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(
        monkeypatch,
        BASE_URL="http://localhost:11434/v1",
        MODEL="llama3.1:8b",
        API_KEY=KEY,
        TIMEOUT="7.5",
        MAX_CONCURRENCY="4",
        BUDGET_WORDS="800",
    )
    config = s.reader_config()
    assert isinstance(config, ModelConfig) and config.enabled
    assert (config.base_url, config.model) == ("http://localhost:11434/v1", "llama3.1:8b")
    assert (config.timeout, config.max_concurrency, config.budget_words) == (7.5, 4, 800)
    assert isinstance(config.api_key, Secret) and config.api_key.get_secret_value() == KEY
    # Neither the settings nor the config show the key, however they are printed.
    for shown in (repr(s), str(s), repr(config), str(config), f"{config}", f"{asdict(s)}"):
        assert KEY not in shown


def test_a_password_in_the_base_url_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, BASE_URL="https://ada:pw-HIDDEN-77@llm.example/v1", MODEL="m")
    config = s.reader_config()
    assert config is not None and config.shown_url == "https://llm.example/v1"
    for shown in (repr(s), str(s), repr(config), str(config)):
        assert "pw-HIDDEN-77" not in shown


def test_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    config = settings(monkeypatch, BASE_URL="http://10.0.0.5:8000/v1", MODEL="m").reader_config()
    assert config is not None and config.api_key is None
    assert (config.timeout, config.max_concurrency, config.budget_words) == (20.0, 2, 1500)
    blank = settings(monkeypatch, TIMEOUT="", MAX_CONCURRENCY="", BUDGET_WORDS="")
    assert (blank.llm_timeout, blank.llm_max_concurrency, blank.llm_budget_words) == (20, 2, 1500)


@pytest.mark.parametrize(
    ("name", "value"),
    [("TIMEOUT", "0"), ("TIMEOUT", "-1"), ("MAX_CONCURRENCY", "0"), ("BUDGET_WORDS", "10")],
)
def test_out_of_range_numbers_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(SettingsInvalid, match=f"NEWSBOT_LLM_{name}"):
        settings(monkeypatch, **{name: value})


def test_a_base_url_without_a_model_is_an_error_that_names_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = settings(monkeypatch, BASE_URL="http://localhost:11434/v1", API_KEY=KEY)
    with pytest.raises(SettingsError, match="NEWSBOT_LLM_MODEL is empty") as err:
        s.reader_config()
    assert KEY not in str(err.value)


@pytest.mark.parametrize("url", ["localhost:11434/v1", "ftp://models.example/v1", "http://"])
def test_a_base_url_must_be_http(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    s = settings(monkeypatch, BASE_URL=url, MODEL="m")
    with pytest.raises(SettingsError, match="http:// or https://"):
        s.reader_config()


# ------------------------------------------------------------------ the desk


async def test_the_desk_opens_no_reader_when_off_and_refuses_to_force_one(
    tmp_path: Path,
) -> None:
    desk = await NewsDesk.open(tmp_path / "d.db")
    try:
        assert desk.model_reader is None
        await desk.add_text("Bridge reopens\nThe bridge reopened on Monday after repairs.")
        asked = await desk.ask_read("When did the bridge reopen?")
        assert (asked.reader, asked.footer, asked.outcome) == ("offline", None, None)
        assert asked.answer == await desk.ask("When did the bridge reopen?")
        with pytest.raises(InputError) as err:
            await desk.ask_read("When did the bridge reopen?", reader="model")
        assert str(err.value) == READER_OFF
    finally:
        await desk.close()


async def test_the_desk_closes_its_reader(tmp_path: Path) -> None:
    config = ModelConfig("http://127.0.0.1:9/v1", "m", api_key=Secret(KEY), timeout=1.0)
    desk = await NewsDesk.open(tmp_path / "d.db", model=config)
    assert desk.model_reader is not None
    await desk.add_text("Bridge reopens\nThe bridge reopened on Monday after repairs.")
    asked = await desk.ask_read("When did the bridge reopen?")  # nothing listens on port 9
    assert (asked.reader, asked.footer) == ("offline", "offline engine")
    session = desk.model_reader._session
    assert session is not None
    await desk.close()
    assert session.closed


# ------------------------------------------------------------------ the card's footer


def test_the_footer_names_the_reader_and_is_absent_without_one() -> None:
    article = make_article()
    embed = render.not_found_embed("What happened?", [article])
    before = embed.to_dict()
    assert render.with_reader(embed, None).to_dict() == before
    shown = render.with_reader(embed, "answered by llama3.1:8b, quote checked").to_dict()
    assert shown.pop("footer") == {"text": "answered by llama3.1:8b, quote checked"}
    assert shown == before


def test_a_long_model_name_is_cut_to_discords_footer_limit() -> None:
    embed = render.with_reader(discord.Embed(description="x"), "answered by " + "m" * 5000)
    assert embed.footer.text is not None and len(embed.footer.text) <= 2048
