"""An article's link is only ever an http(s) address, whichever way the article came in.

The rule lives in the desk (bot.app.drafts.article_url, applied by prepare); the command line
and the import have their own tests in tests/cli. This is the Discord path: the
"Source URL" of /article paste.
"""

from __future__ import annotations

from fake_discord import MOD, FakeDiscord

from bot.client import NewsBot

PASTED = (
    "The night bus to Lindholm will run every half hour from September, the transit office "
    "said on Monday. Drivers asked for the change after the spring timetable left long gaps."
)


async def paste(fake: FakeDiscord, url: str) -> str:
    token = await fake.slash("article", MOD, sub="paste")
    call = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    token = await fake.submit_modal(
        call.json["data"]["custom_id"],
        {"title": "Night bus every half hour", "text": PASTED, "url": url},
        MOD,
    )
    return str((await fake.wait_message(token))["content"])


async def test_a_pasted_javascript_url_is_refused_and_nothing_is_stored(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    guild_id = fake.guilds[0].id
    for url in ("javascript:alert(document.cookie)", "file:///etc/passwd"):
        reply = await paste(fake, url)
        assert "http:// or https://" in reply, reply
        assert await bot.desk.count(guild_id) == 0
    reply = await paste(fake, "https://transit.example.org/night-bus")
    assert "Stored as article #1" in reply, reply
    stored = await bot.desk.get(1, guild_id)
    assert stored.url == "https://transit.example.org/night-bus"
