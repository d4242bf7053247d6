"""Discord's objects as the fake Discord (fake_discord.py) sends and records them.

The ids and token the fake answers to, the permission bits tests use, members and guilds
with their gateway payloads, and the record of one HTTP call. fake_discord.py re-exports
every name, so tests import them from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TOKEN = "fake-bot-token"
APP_ID = 900_000_000_000_000_001
BOT_ID = 900_000_000_000_000_002
OWNER_ID = 900_000_000_000_000_003

MANAGE_MESSAGES = 1 << 13
MANAGE_GUILD = 1 << 5
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38

# Channel types (Discord's numbers).
TEXT = 0
ANNOUNCEMENT = 5
PUBLIC_THREAD = 11
FORUM = 15

# The errors Discord answers with, as (status, body).
MISSING_PERMISSIONS = (403, {"message": "Missing Permissions", "code": 50013})
UNKNOWN_CHANNEL = (404, {"message": "Unknown Channel", "code": 10003})
UNKNOWN_ROLE = (404, {"message": "Unknown Role", "code": 10011})
# What @everyone holds in a default server: view, send, read history, embed, use commands.
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 14) | (1 << 31)


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
    }


@dataclass
class Call:
    """One HTTP request the bot made to the fake."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any  # the JSON body (``payload_json`` for multipart), or None
    status: int = 200
    response_id: str | None = None  # the id of the message this call created, if any

    @property
    def message(self) -> dict[str, Any] | None:
        """The message this call sends or edits, whatever the route; None otherwise."""
        if not isinstance(self.json, dict):
            return None
        if self.path.endswith("/callback"):
            if self.json.get("type") in (4, 7):
                return self.json.get("data") or {}
            return None
        if self.method in ("POST", "PATCH") and (
            self.path.startswith("/webhooks/")
            or re.fullmatch(r"/channels/\d+/messages(/\d+)?", self.path)
        ):
            return self.json
        if self.method == "POST" and re.fullmatch(r"/channels/\d+/threads", self.path):
            first = self.json.get("message")  # a forum post's first message
            return first if isinstance(first, dict) else None
        return None


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int | None  # None: forever
    after: int = 0  # matching requests let through before the failures start


@dataclass
class Member:
    """A guild member the test acts as."""

    user_id: int
    name: str
    permissions: int = MEMBER_PERMISSIONS
    roles: list[int] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {
            "user": user_payload(self.user_id, self.name),
            "roles": [str(r) for r in self.roles],
            "flags": 0,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "permissions": str(self.permissions),
        }


@dataclass
class Channel:
    """A channel beside the guild's text channel: an announcement channel, or a forum
    with its tags (each tag's id is the forum's id plus its place, from 1)."""

    id: int
    type: int
    name: str
    tags: list[str] = field(default_factory=list)

    def tag_id(self, name: str) -> str:
        return str(self.id + 1 + self.tags.index(name))

    def payload(self, guild_id: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": 1,
            "guild_id": str(guild_id),
            "permission_overwrites": [],
            "flags": 0,
        }
        if self.type == FORUM:
            data["available_tags"] = [
                {
                    "id": self.tag_id(tag),
                    "name": tag,
                    "moderated": False,
                    "emoji_id": None,
                    "emoji_name": None,
                }
                for tag in self.tags
            ]
            data["default_reaction_emoji"] = None
        return data


def thread_payload(
    thread_id: str, guild_id: int, parent_id: str, name: str, tags: list[str] | None = None
) -> dict[str, Any]:
    """A public thread (a text channel's thread, or a forum post) as Discord returns it."""
    return {
        "id": thread_id,
        "type": PUBLIC_THREAD,
        "guild_id": str(guild_id),
        "parent_id": parent_id,
        "owner_id": str(BOT_ID),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "applied_tags": tags or [],
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": "2024-05-01T12:00:00+00:00",
            "locked": False,
        },
    }


@dataclass
class Guild:
    id: int
    channel_id: int
    name: str = "Test guild"
    channels: list[Channel] = field(default_factory=list)  # beside the text channel
    roles: list[int] = field(default_factory=list)  # beside @everyone

    def payload(self) -> dict[str, Any]:
        bot_member = Member(BOT_ID, "newsbot", MEMBER_PERMISSIONS).payload()
        bot_member["user"]["bot"] = True
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(OWNER_ID),
            "unavailable": False,
            "member_count": 2,
            "roles": [
                {"id": str(self.id), "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS)},
                *({"id": str(r), "name": f"role {r}", "permissions": "0"} for r in self.roles),
            ],
            "channels": [self.channel_payload()] + [c.payload(self.id) for c in self.channels],
            "members": [bot_member],
            "features": [],
            "emojis": [],
            "stickers": [],
        }

    def channel_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.channel_id),
            "type": 0,
            "name": "news",
            "position": 0,
            "guild_id": str(self.id),
            "permission_overwrites": [],
        }


MOD = Member(3001, "mod", MEMBER_PERMISSIONS | MANAGE_MESSAGES)
READER = Member(3002, "reader")


def option(name: str, value: Any) -> dict[str, Any]:
    kind = 4 if isinstance(value, int) and not isinstance(value, bool) else 3
    return {"name": name, "type": kind, "value": value}


def message_payload(
    message_id: str,
    channel_id: str,
    *,
    content: str = "",
    embeds: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    author: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A MESSAGE object as Discord returns it (what discord.py needs to parse)."""
    return {
        "id": message_id,
        "channel_id": channel_id,
        "author": author or user_payload(OWNER_ID, "someone"),
        "content": content,
        "timestamp": "2024-05-01T12:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 0,
        "flags": 0,
    }
