"""Who may curate articles: members with Manage Messages, or with the server's moderator role.

:func:`moderator_only` is the run-time check. Discord hides a command from members
without a permission only for top-level commands (``default_permissions`` is ignored
on subcommands), so the check runs on every curating command regardless.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.app.desk import NewsDesk

T = TypeVar("T")

NOT_MODERATOR = (
    "Only moderators can do that: you need Manage Messages or the server's moderator role."
)


class NotModerator(app_commands.CheckFailure):
    """The member may not curate articles; ``str()`` is the sentence to show them."""

    def __init__(self) -> None:
        super().__init__(NOT_MODERATOR)


def may_curate(
    permissions: discord.Permissions, role_ids: Collection[int], mod_role: int | None
) -> bool:
    """Manage Messages (or Administrator) or the server's moderator role."""
    if permissions.administrator or permissions.manage_messages:
        return True
    return mod_role is not None and mod_role in role_ids


def desk_of(interaction: discord.Interaction[Any]) -> NewsDesk:
    """The bot's NewsDesk (typed loosely so checks need not import the client)."""
    desk: NewsDesk = interaction.client.desk
    return desk


def member_role_ids(interaction: discord.Interaction[Any]) -> set[int]:
    # Member._roles holds every role id from the payload, even roles not in the cache.
    user = interaction.user
    if isinstance(user, discord.Member):
        return {role.id for role in user.roles} | {int(r) for r in getattr(user, "_roles", ())}
    return set()


async def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    """True for a moderator in a guild; raises :class:`NotModerator` otherwise."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    permissions = interaction.permissions
    if may_curate(permissions, (), None):
        return True
    mod_role = await desk_of(interaction).servers.mod_role(interaction.guild_id)
    if may_curate(permissions, member_role_ids(interaction), mod_role):
        return True
    raise NotModerator()


def moderator_only() -> Callable[[T], T]:
    """Hide the command from non-moderators (top-level only) and check again at run time."""
    hide = app_commands.default_permissions(manage_messages=True)
    check = app_commands.check(is_moderator)

    def decorator(func: T) -> T:
        return hide(check(func))

    return decorator
