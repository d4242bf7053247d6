"""The buttons under an /ask card, and the insights' "add a story" button.

They are dynamic items (their ``custom_id`` carries the recorded question's id), so they
keep working after a restart and hold no state in memory: "Ask a follow-up" opens a form
and asks the follow-up about the same story, 👍/👎 record one vote per member per
answer (changed by pressing the other), and "Add a story" opens a form that stores a
URL like /article add. Every press checks the guild: an id from another server finds
nothing. Errors go to :func:`bot.client.report_error`, as a command's would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.checks import is_moderator
from bot.client import report_error
from cogs.views import send_stored
from news.errors import InputError

if TYPE_CHECKING:
    import re

    from bot.app.desk import NewsDesk
    from bot.app.readers import Asked

FOLLOWUP_TIMEOUT = 10 * 60.0
MAX_ID = 2**63 - 1
VOTED = {
    "new": "Thanks, your vote is counted.",
    "changed": "Your vote is changed.",
    "same": "You already voted that way on this answer.",
}
NOT_HERE = "That answer was not given in this server: nothing was counted."


class AnswerSender(Protocol):
    async def send_asked(
        self, interaction: discord.Interaction[Any], asked: Asked, *, asked_as: str | None
    ) -> None: ...


def _desk(interaction: discord.Interaction[Any]) -> NewsDesk:
    desk: NewsDesk = interaction.client.desk
    return desk


def _question_id(text: str) -> int:
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise InputError("That button is not one of mine.")
    return value


def answer_view(question_id: int) -> discord.ui.View:
    """The buttons of an answer or passages card."""
    view = discord.ui.View(timeout=None)
    view.add_item(FollowUpButton(question_id))
    view.add_item(VoteButton(question_id, up=True))
    view.add_item(VoteButton(question_id, up=False))
    return view


class FollowUpButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"newsbot:follow:(?P<id>[0-9]{1,19})",
):
    def __init__(self, question_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Ask a follow-up",
                style=discord.ButtonStyle.primary,
                custom_id=f"newsbot:follow:{question_id}",
            )
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FollowUpButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            if interaction.guild_id is None:
                raise InputError("Follow-ups work in a server.")
            question_id = _question_id(str(self.question_id))
            if (
                await _desk(interaction).insights.question(question_id, interaction.guild_id)
                is None
            ):
                raise InputError("That answer is no longer stored: ask again with /ask.")
            await interaction.response.send_modal(FollowUpModal(question_id))
        except Exception as err:
            await report_error(interaction, err)


class FollowUpModal(discord.ui.Modal, title="Ask a follow-up"):
    followup: discord.ui.TextInput[FollowUpModal] = discord.ui.TextInput(
        label="Your question about the same story",
        custom_id="followup",
        placeholder="What did she say?",
        max_length=300,
    )

    def __init__(self, question_id: int) -> None:
        super().__init__(timeout=FOLLOWUP_TIMEOUT, custom_id=f"newsbot:followup:{question_id}")
        self.question_id = question_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(thinking=True)
        asked, resolved = await _desk(interaction).follow_up(
            self.question_id, interaction.guild_id, self.followup.value
        )
        sender: AnswerSender | None = interaction.client.get_cog("Ask")
        assert sender is not None
        await sender.send_asked(
            interaction, asked, asked_as=resolved.question if resolved.changed else None
        )

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"newsbot:vote:(?P<way>up|down):(?P<id>[0-9]{1,19})",
):
    def __init__(self, question_id: int, *, up: bool) -> None:
        way = "up" if up else "down"
        super().__init__(
            discord.ui.Button(
                emoji="👍" if up else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"newsbot:vote:{way}:{question_id}",
            )
        )
        self.question_id = question_id
        self.up = up

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        return cls(int(match["id"]), up=match["way"] == "up")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            if interaction.guild_id is None:
                raise InputError("Votes count in a server.")
            question_id = _question_id(str(self.question_id))
            done = await _desk(interaction).insights.vote(
                question_id, interaction.guild_id, interaction.user.id, self.up
            )
            text = NOT_HERE if done is None else VOTED[done]
            await interaction.response.send_message(text, ephemeral=True)
        except Exception as err:
            await report_error(interaction, err)


class AddStoryButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"newsbot:addstory:(?P<n>[0-9]{1,3})"
):
    """On the insights report, beside each unanswered group: opens /article add's form."""

    def __init__(self, n: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Add a story ({n})",
                style=discord.ButtonStyle.success,
                custom_id=f"newsbot:addstory:{n}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AddStoryButton:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await is_moderator(interaction)
            await interaction.response.send_modal(AddStoryModal())
        except Exception as err:
            await report_error(interaction, err)


class AddStoryModal(discord.ui.Modal, title="Add a story (/article add)"):
    url: discord.ui.TextInput[AddStoryModal] = discord.ui.TextInput(
        label="The story's URL", custom_id="url", placeholder="https://", max_length=500
    )

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        return await is_moderator(interaction)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(thinking=True)
        result = await _desk(interaction).add_url(
            self.url.value.strip(), guild_id=interaction.guild_id, added_by=interaction.user.id
        )
        await send_stored(interaction, result)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error)


DYNAMIC_ITEMS = (FollowUpButton, VoteButton, AddStoryButton)
