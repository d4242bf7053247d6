"""checks: who counts as a moderator."""

from __future__ import annotations

import discord

from bot.checks import NOT_MODERATOR, NotModerator, may_curate


def test_manage_messages_or_administrator_may_curate() -> None:
    assert may_curate(discord.Permissions(manage_messages=True), (), None)
    assert may_curate(discord.Permissions(administrator=True), (), None)


def test_the_servers_moderator_role_may_curate() -> None:
    plain = discord.Permissions(send_messages=True)
    assert may_curate(plain, {10, 20}, 20)
    assert not may_curate(plain, {10}, 20)
    assert not may_curate(plain, {10}, None)
    assert not may_curate(plain, (), None)


def test_the_refusal_is_one_sentence() -> None:
    assert str(NotModerator()) == NOT_MODERATOR
    assert NOT_MODERATOR.endswith(".") and NOT_MODERATOR.count(". ") == 0
