"""Start-up against the fake Discord: login, command sync, READY, restart, bad token."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import discord
import pytest
from fake_discord import APP_ID, BotRunner, FakeDiscord

from bot.client import NewsBot, run_bot
from bot.config import load_settings

EXPECTED = {
    "ask": {"question", "article"},
    "summary": {"article"},
    "article": {"add", "paste", "remove", "show", "list"},
    "news": {"search"},
    "newsbot": {"modrole", "insights"},
    "Save as article": set(),
}


def _by_name(commands: list[dict]) -> dict[str, dict]:
    return {cmd["name"]: cmd for cmd in commands}


async def test_startup_syncs_the_commands_globally(fake: FakeDiscord, bot: NewsBot) -> None:
    assert bot.is_ready()
    assert {g.id for g in bot.guilds} == {g.id for g in fake.guilds}
    sync = [c for c in fake.calls if c.method == "PUT" and "commands" in c.path]
    assert [c.path for c in sync] == [f"/applications/{APP_ID}/commands"]
    synced = _by_name(fake.commands["global"])
    # Exactly the tree's commands (other cogs add theirs), ours among them.
    assert set(synced) == {cmd.name for cmd in bot.tree.get_commands()}
    assert set(EXPECTED) <= set(synced)
    for name, options in EXPECTED.items():
        if synced[name].get("type", 1) == 1:
            assert {o["name"] for o in synced[name]["options"]} == options

    ask, pinned = synced["ask"]["options"]
    assert (ask["name"], ask["type"], ask["required"]) == ("question", 3, True)
    assert (pinned["name"], pinned["type"], pinned.get("required", False)) == ("article", 4, False)
    assert pinned["autocomplete"] is True
    subs = {o["name"]: o for o in synced["article"]["options"]}
    assert all(o["type"] == 1 for o in subs.values())
    add = [(o["name"], o["type"], o.get("required", False)) for o in subs["add"]["options"]]
    assert add == [("url", 3, True), ("published", 3, False)]
    assert subs["add"]["options"][1]["max_length"] == 10  # YYYY-MM-DD
    remove = subs["remove"]["options"][0]
    assert (remove["name"], remove["type"], remove["autocomplete"]) == ("article", 4, True)
    assert subs["show"]["options"][0]["autocomplete"] is True
    assert subs["paste"].get("options", []) == [] and subs["list"].get("options", []) == []
    search = synced["news"]["options"][0]["options"][0]
    assert (search["name"], search["type"]) == ("query", 3)
    menu = synced["Save as article"]
    assert menu["type"] == 3
    # Discord hides these from members without the permission (top-level commands only).
    assert (
        int(menu["default_member_permissions"]) == discord.Permissions(manage_messages=True).value
    )
    assert (
        int(synced["newsbot"]["default_member_permissions"])
        == discord.Permissions(manage_guild=True).value
    )
    subs = {o["name"]: o for o in synced["newsbot"]["options"]}
    modrole = subs["modrole"]["options"][0]
    assert {o["name"] for o in subs["insights"]["options"]} == {"show", "clear"}
    assert (modrole["name"], modrole["type"], modrole["required"]) == ("role", 8, False)
    # Guild-only: no DMs, no private channels.
    for cmd in synced.values():
        assert cmd.get("contexts") in ([0], None) and cmd.get("dm_permission") in (False, None)


async def test_dev_guild_sync_copies_the_commands_to_that_guild(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    await runner.start(dev_guild=fake.guilds[0].id)
    sync = [c.path for c in fake.calls if c.method == "PUT"]
    assert sync == [f"/applications/{APP_ID}/guilds/{fake.guilds[0].id}/commands"]
    assert set(EXPECTED) <= {c["name"] for c in fake.commands[str(fake.guilds[0].id)]}
    assert "global" not in fake.commands


async def test_restart_reuses_the_database(fake: FakeDiscord, runner: BotRunner) -> None:
    bot = await runner.start()
    result = await bot.desk.add_text(
        "A first line that is the title\nThe body of the article is long enough to be stored.",
        guild_id=fake.guilds[0].id,
    )
    bot = await runner.restart()
    assert (await bot.desk.get(result.article.id, fake.guilds[0].id)).title.startswith("A first")


async def test_a_rejected_token_raises_login_failure(fake: FakeDiscord, runner: BotRunner) -> None:
    fake.fail("GET", "/users/@me", 401, body={"message": "401: Unauthorized", "code": 0})
    with pytest.raises(discord.LoginFailure):
        await runner.start()


def test_run_bot_turns_a_rejected_token_into_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # run_bot owns its event loop (asyncio.run), so the fake runs on a loop in a thread.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeDiscord()
    try:
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(5)
        fake.patch_client(monkeypatch)
        fake.fail("GET", "/users/@me", 401, body={"message": "401: Unauthorized", "code": 0})
        settings = load_settings(_env_file=None, db_path=tmp_path / "newsbot.db")
        with pytest.raises(SystemExit) as exit_info:
            run_bot(settings, "not-a-real-token")
        assert exit_info.value.code == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == ["Discord rejected DISCORD_TOKEN: Improper token has been passed."]
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_run_bot_turns_a_database_it_cannot_open_into_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeDiscord()
    notes = tmp_path / "notes.db"
    notes.write_text("not a database at all\n" * 100)
    try:
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(5)
        fake.patch_client(monkeypatch)
        settings = load_settings(_env_file=None, db_path=notes)
        with pytest.raises(SystemExit) as exit_info:
            run_bot(settings, "token")
        assert exit_info.value.code == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            f"Cannot start: {notes} is not a newsbot database (not an SQLite file):"
            " check --db or NEWSBOT_DB."
        ]
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
