"""A fake Discord on 127.0.0.1 (REST + gateway) for driving the real discord.py client.

The fake serves just enough of Discord's API for start-up, command sync and
interactions, records every HTTP call the bot makes (:attr:`FakeDiscord.calls`),
and lets a test inject gateway events (slash commands, autocomplete, button
presses, modal submits) and per-route failures (a 403, a 429 that must be retried).

Point the client at it with :meth:`FakeDiscord.patch_client` before ``login()``;
``tests/e2e/bot_runners.py`` runs the bot against it, in the test's process or in others.

Sharding as Discord does it: ``shard_count`` is what ``GET /gateway/bot`` recommends; each
IDENTIFY names its ``shard: [id, count]``, and that connection gets READY and GUILD_CREATE
for the guilds with ``(guild_id >> 22) % count == id`` only, and their events.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

from tests.e2e.bot_runners import BotRunner
from tests.e2e.discord_payloads import (
    ANNOUNCEMENT,
    APP_ID,
    BOT_ID,
    FORUM,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_PERMISSIONS,
    MISSING_PERMISSIONS,
    MOD,
    OWNER_ID,
    PUBLIC_THREAD,
    READER,
    TEXT,
    TOKEN,
    UNKNOWN_CHANNEL,
    UNKNOWN_ROLE,
    Call,
    Channel,
    Failure,
    Guild,
    Member,
    message_payload,
    option,
    thread_payload,
    user_payload,
)

# Tests import the payload pieces from here, with the fake.
__all__ = [
    "ANNOUNCEMENT",
    "APP_ID",
    "BOT_ID",
    "FORUM",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MEMBER_PERMISSIONS",
    "MISSING_PERMISSIONS",
    "MOD",
    "OWNER_ID",
    "PUBLIC_THREAD",
    "READER",
    "TEXT",
    "TOKEN",
    "UNKNOWN_CHANNEL",
    "UNKNOWN_ROLE",
    "BotRunner",
    "Call",
    "Channel",
    "Failure",
    "FakeDiscord",
    "Guild",
    "Member",
    "Pages",
    "message_payload",
    "option",
    "thread_payload",
    "user_payload",
]


class FakeDiscord:
    """REST + gateway on one aiohttp server; see the module docstring."""

    def __init__(self, guilds: list[Guild] | None = None, *, shard_count: int = 1) -> None:
        self.guilds = guilds or [Guild(1001, 2001, "Guild A"), Guild(1002, 2002, "Guild B")]
        self.shard_count = shard_count
        self.shards: dict[web.WebSocketResponse, tuple[int, int]] = {}  # identified: [id, count]
        self.holds: list[tuple[str, re.Pattern[str], asyncio.Event]] = []
        self.pending: list[Call] = []  # requests held by hold(), not yet answered
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> synced
        self.sockets: list[web.WebSocketResponse] = []
        self.identified = asyncio.Event()
        self._originals: dict[str, str] = {}  # interaction token -> its response message id
        # Threads and forum posts the bot made: id -> payload; crossposted message ids.
        self.threads: dict[str, dict[str, Any]] = {}
        self.crossposted: list[str] = []
        self._ids = itertools.count(950_000_000_000_000_000)
        self._seq = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gw", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def patch_client(self, monkeypatch: Any) -> None:
        """Point discord.py's REST base and gateway at this fake (class attributes)."""
        monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{self.port}/api/v10")
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket,
            "DEFAULT_GATEWAY",
            yarl.URL(f"ws://127.0.0.1:{self.port}/gw"),
        )

    def next_id(self) -> int:
        return next(self._ids)

    # -- failures ----------------------------------------------------------------

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        times: int | None = None,
        after: int = 0,
    ) -> None:
        """Answer matching requests with ``status`` (``times`` times, or forever), once
        ``after`` of them have gone through."""
        body = body if body is not None else {"message": "Missing Access", "code": 50001}
        self.failures.append(
            Failure(method, re.compile(path_regex), status, body, headers or {}, times, after)
        )

    def rate_limit_once(self, method: str, path_regex: str, retry_after: float = 0.05) -> None:
        """One 429 that discord.py must sleep through and retry (needs ``Via``)."""
        self.fail(
            method,
            path_regex,
            429,
            body={
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": False,
            },
            headers={"Via": "1.1 google"},
            times=1,
        )

    def refuse(
        self, method: str, path_regex: str, error: tuple[int, dict[str, Any]] = MISSING_PERMISSIONS
    ) -> None:
        """Answer matching requests with one of Discord's errors from now on (a permission
        the bot lacks, a channel or role that is gone)."""
        self.fail(method, path_regex, error[0], body=error[1])

    def delete_channel(self, channel_id: int | str) -> None:
        """The channel (or thread, or forum post) is gone: every call on it is a 404."""
        for method in ("GET", "POST", "PATCH", "DELETE", "PUT"):
            self.refuse(method, rf"/channels/{channel_id}(/.*)?", UNKNOWN_CHANNEL)

    def hold(self, method: str, path_regex: str) -> asyncio.Event:
        """Hold matching requests until the returned event is set (they are in
        :attr:`pending` meanwhile), as a slow network would. A caller that hangs up
        meanwhile (its process was killed) never reaches "Discord": nothing is recorded
        or created for it."""
        gate = asyncio.Event()
        self.holds.append((method, re.compile(path_regex), gate))
        return gate

    def _failure_for(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and failure.pattern.fullmatch(path):
                if failure.after > 0:
                    failure.after -= 1
                    continue
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        self.failures.remove(failure)
                return failure
        return None

    # -- waiting on calls --------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        *,
        timeout: float = 30.0,  # noqa: ASYNC109
        start: int = 0,
    ) -> Call:
        """The first recorded call (from index ``start``) matching ``predicate``."""

        def found() -> Call | None:
            return next((c for c in self.calls[start:] if predicate(c)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
        call = found()
        assert call is not None
        return call

    def calls_for(self, token: str) -> list[Call]:
        """Every call answering the interaction with this token."""
        return [c for c in self.calls if f"/{token}" in c.path]

    def messages_for(self, token: str) -> list[dict[str, Any]]:
        return [m for c in self.calls_for(token) if (m := c.message) is not None]

    async def wait_message(self, token: str, *, timeout: float = 30.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The first message (content/embeds) sent in answer to an interaction."""
        call = await self.wait_for(
            lambda c: f"/{token}" in c.path and c.message is not None, timeout=timeout
        )
        assert call.message is not None
        return call.message

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # -- REST --------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.content_type == "multipart/form-data":
            form = await request.post()
            raw = form.get("payload_json")
            body = json.loads(str(raw)) if raw is not None else None
        elif request.can_read_body:
            text = await request.text()
            body = json.loads(text) if text else None
        call = Call(request.method, path, dict(request.query), body)
        gates = [g for m, rx, g in self.holds if m == request.method and rx.fullmatch(path)]
        if gates:
            self.pending.append(call)
            try:
                await asyncio.gather(*(gate.wait() for gate in gates))
            finally:
                self.pending.remove(call)
            if request.transport is None or request.transport.is_closing():
                raise web.HTTPServiceUnavailable()  # the caller is gone: nothing was sent
        failure = self._failure_for(request.method, path)
        if failure is not None:
            call.status = failure.status
            await self._record(call)
            return _json(failure.body, failure.status, failure.headers)
        await self._record(call)
        return _json(self._answer(call))

    def _answer(self, call: Call) -> Any:
        method, path, body = call.method, call.path, call.json
        if path == "/users/@me":
            return user_payload(BOT_ID, "newsbot", bot=True)
        if path == "/oauth2/applications/@me":
            return {
                "id": str(APP_ID),
                "name": "newsbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user_payload(OWNER_ID, "owner"),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        if path == "/gateway/bot":
            return {
                "url": f"ws://127.0.0.1:{self.port}/gw",
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if match := re.fullmatch(r"/applications/\d+(?:/guilds/(\d+))?/commands", path):
            if method == "PUT":
                scope = match.group(1) or "global"
                synced = [
                    {
                        "description": "",
                        **cmd,
                        "id": str(self.next_id()),
                        "application_id": str(APP_ID),
                        "version": "1",
                    }
                    for cmd in body or []
                ]
                self.commands[scope] = synced
                return synced
            return self.commands.get(match.group(1) or "global", [])
        if match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            message_id = call.response_id = str(self.next_id())
            self._originals[match.group(2)] = message_id
            kind = (body or {}).get("type")
            result: dict[str, Any] = {
                "interaction": {
                    "id": match.group(1),
                    "type": 2,
                    "response_message_id": message_id,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(
                        ((body or {}).get("data") or {}).get("flags", 0) & 64
                    ),
                }
            }
            if kind in (4, 5, 7):
                data = (body or {}).get("data") or {}
                result["resource"] = {"type": kind, "message": self._message(message_id, data)}
            return result
        if match := re.fullmatch(r"/webhooks/\d+/([^/]+)(?:/messages/([^/]+))?", path):
            if method == "DELETE":
                return None
            message_id = match.group(2)
            if message_id == "@original":
                message_id = self._originals.get(match.group(1))
            message_id = message_id or str(self.next_id())
            call.response_id = message_id
            return self._message(message_id, body or {})
        if match := re.fullmatch(r"/channels/(\d+)/messages", path):
            call.response_id = str(self.next_id())
            return self._message(call.response_id, body or {}, channel_id=match.group(1))
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path):
            # A thread on a message takes the message's id, as on Discord.
            return self._thread(match.group(2), match.group(1), body or {})
        if match := re.fullmatch(r"/channels/(\d+)/threads", path):
            call.response_id = str(self.next_id())
            thread = self._thread(call.response_id, match.group(1), body or {})
            if isinstance((body or {}).get("message"), dict):  # a forum post
                first = self._message(str(self.next_id()), body["message"], channel_id=thread["id"])
                return {**thread, "message": first}
            return thread
        if method == "PATCH" and (
            match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)
        ):  # an edit: Discord answers with the message as it now is
            return self._message(match.group(2), body or {}, channel_id=match.group(1))
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/crosspost", path):
            self.crossposted.append(match.group(2))
            message = self._message(match.group(2), {}, channel_id=match.group(1))
            return {**message, "flags": 1}  # CROSSPOSTED
        if method == "GET" and (match := re.fullmatch(r"/channels/(\d+)", path)):
            return self.channel(match.group(1))
        return {}

    def _thread(self, thread_id: str, parent_id: str, body: dict[str, Any]) -> dict[str, Any]:
        parent = self.channel(parent_id)
        payload = thread_payload(
            thread_id,
            int(parent.get("guild_id") or self.guilds[0].id),
            parent_id,
            str(body.get("name") or ""),
            [str(t) for t in body.get("applied_tags") or []],
        )
        self.threads[thread_id] = payload
        return payload

    def channel(self, channel_id: int | str) -> dict[str, Any]:
        """The payload of a channel or thread the fake knows ({} for none)."""
        channel_id = str(channel_id)
        if channel_id in self.threads:
            return self.threads[channel_id]
        for guild in self.guilds:
            if str(guild.channel_id) == channel_id:
                return guild.channel_payload()
            for extra in guild.channels:
                if str(extra.id) == channel_id:
                    return extra.payload(guild.id)
        return {}

    def messages_in(self, channel_id: int | str) -> list[dict[str, Any]]:
        """What the bot posted in a channel or thread (a forum post's first message too)."""
        channel_id = str(channel_id)
        found = []
        for call in self.calls:
            if call.status != 200 or call.message is None:
                continue
            posted = re.fullmatch(r"/channels/(\d+)/messages", call.path)
            in_channel = bool(posted and posted.group(1) == channel_id and call.method == "POST")
            if in_channel or (call.path.endswith("/threads") and call.response_id == channel_id):
                found.append(call.message)
        return found

    def _message(
        self, message_id: str, data: dict[str, Any], *, channel_id: str | None = None
    ) -> dict[str, Any]:
        return message_payload(
            message_id,
            channel_id or str(self.guilds[0].channel_id),
            content=data.get("content") or "",
            embeds=data.get("embeds") or [],
            components=data.get("components") or [],
            author=user_payload(BOT_ID, "newsbot", bot=True),
        )

    # -- gateway -----------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                if frame["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif frame["op"] == 2:
                    shard = (frame.get("d") or {}).get("shard") or [0, 1]
                    await self._identify(ws, int(shard[0]), int(shard[1]))
        finally:
            self.sockets.remove(ws)
            self.shards.pop(ws, None)
        return ws

    def shard_guilds(self, shard_id: int, count: int) -> list[Guild]:
        """The guilds Discord sends to shard ``shard_id`` of ``count``."""
        return [g for g in self.guilds if (g.id >> 22) % count == shard_id]

    def _sockets_for(self, guild_id: int | None) -> list[web.WebSocketResponse]:
        if guild_id is None:
            return list(self.sockets)
        held = [(ws, self.shards.get(ws, (0, 1))) for ws in self.sockets]
        return [ws for ws, (shard, count) in held if (guild_id >> 22) % count == shard]

    async def _identify(self, ws: web.WebSocketResponse, shard_id: int, count: int) -> None:
        guilds = self.shard_guilds(shard_id, count)
        self.shards[ws] = (shard_id, count)
        ready = {
            "v": 10,
            "session_id": "fake-session",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gw",
            "user": user_payload(BOT_ID, "newsbot", bot=True),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "application": {"id": str(APP_ID), "flags": 0},
            "shard": [shard_id, count],
        }
        await self._send(ws, "READY", ready)
        for guild in guilds:
            await self._send(ws, "GUILD_CREATE", guild.payload())
        async with self._changed:
            self._changed.notify_all()  # wait_for_shards
        self.identified.set()

    async def wait_for_shards(self, shard_ids: set[int], *, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Until a connection has identified as each of ``shard_ids``."""

        def connected() -> bool:
            return shard_ids <= {shard for shard, _ in self.shards.values()}

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(connected), timeout)

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the shard of its guild (every shard for one without)."""
        guild_id = data.get("guild_id")
        sockets = self._sockets_for(int(guild_id) if guild_id is not None else None)
        assert sockets, "no connection to the fake gateway holds this event's shard"
        for ws in sockets:
            await self._send(ws, event, data)

    # -- interactions ------------------------------------------------------------

    def guild(self, guild_id: int | None = None) -> Guild:
        return next((g for g in self.guilds if g.id == guild_id), self.guilds[0])

    async def interact(
        self,
        kind: int,
        data: dict[str, Any],
        member: Member,
        *,
        guild_id: int | None = None,
        message: dict[str, Any] | None = None,
        channel_id: int | str | None = None,
    ) -> str:
        """Inject an INTERACTION_CREATE; returns its token (find the replies with it).
        ``channel_id`` places it in another channel or a thread (the guild's text channel
        by default)."""
        guild = self.guild(guild_id)
        channel = self.channel(channel_id) if channel_id is not None else guild.channel_payload()
        assert channel, f"the fake knows no channel {channel_id}"
        interaction_id = self.next_id()
        token = f"tok{interaction_id}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "attachment_size_limit": 8 * 1024 * 1024,
            "guild_id": str(guild.id),
            "channel_id": channel["id"],
            "channel": channel,
            "member": member.payload(),
            "app_permissions": str(MEMBER_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": 0,
            "data": data,
        }
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return token

    async def slash(
        self,
        name: str,
        member: Member,
        *,
        sub: str | None = None,
        guild_id: int | None = None,
        channel_id: int | str | None = None,
        **options: Any,
    ) -> str:
        """A slash command (``sub`` names a subcommand of the group ``name``), in the
        guild's text channel or in ``channel_id`` (a thread, say)."""
        opts = [option(key, value) for key, value in options.items()]
        if sub is not None:
            opts = [{"name": sub, "type": 1, "options": opts}]
        data = {"id": self.command_id(name), "name": name, "type": 1, "options": opts}
        return await self.interact(2, data, member, guild_id=guild_id, channel_id=channel_id)

    async def autocomplete(
        self,
        name: str,
        member: Member,
        *,
        sub: str | None,
        focused: str,
        value: str,
        guild_id: int | None = None,
        **options: Any,
    ) -> str:
        """Typing into option ``focused`` (of subcommand ``sub``, or of the command itself
        when None); ``options`` are the ones already filled in."""
        opts = [option(key, given) for key, given in options.items()]
        opts.append({"name": focused, "type": 3, "value": value, "focused": True})
        if sub is not None:
            opts = [{"name": sub, "type": 1, "options": opts}]
        data = {"id": self.command_id(name), "name": name, "type": 1, "options": opts}
        return await self.interact(4, data, member, guild_id=guild_id)

    async def press(
        self, message_id: str, custom_id: str, member: Member, *, guild_id: int | None = None
    ) -> str:
        """Press a button on a message the bot sent (the view is keyed by its id)."""
        channel = str(self.guild(guild_id).channel_id)
        message = message_payload(
            message_id, channel, author=user_payload(BOT_ID, "newsbot", bot=True)
        )
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.interact(3, data, member, guild_id=guild_id, message=message)

    async def choose(
        self,
        message_id: str,
        custom_id: str,
        values: list[str],
        member: Member,
        *,
        guild_id: int | None = None,
    ) -> str:
        """Pick ``values`` in a select menu on a message the bot sent."""
        channel = str(self.guild(guild_id).channel_id)
        message = message_payload(
            message_id, channel, author=user_payload(BOT_ID, "newsbot", bot=True)
        )
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self.interact(3, data, member, guild_id=guild_id, message=message)

    async def submit_modal(
        self, custom_id: str, values: dict[str, str], member: Member, *, guild_id: int | None = None
    ) -> str:
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in values.items()
        ]
        return await self.interact(
            5, {"custom_id": custom_id, "components": rows}, member, guild_id=guild_id
        )

    async def message_command(
        self, name: str, target: dict[str, Any], member: Member, *, guild_id: int | None = None
    ) -> str:
        data = {
            "id": self.command_id(name),
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        return await self.interact(2, data, member, guild_id=guild_id)

    def command_id(self, name: str) -> str:
        for synced in self.commands.values():
            for cmd in synced:
                if cmd["name"] == name:
                    return str(cmd["id"])
        return str(self.next_id())

    def response_message_id(self, token: str) -> str:
        """The id the fake gave the message a callback or followup created."""
        for call in self.calls_for(token):
            if call.message is not None and call.message.get("components"):
                return str(call.response_id)
        raise AssertionError("no message with components was sent for this interaction")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py parses nothing else (json_response adds a charset).
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


class Pages:
    """HTML served by a real HTTP server on 127.0.0.1 (what /article add fetches)."""

    def __init__(self) -> None:
        self.html: dict[str, str] = {}
        self.requested: list[str] = []  # every path asked for, in order
        self.base = ""

    def add(self, path: str, html: str) -> str:
        self.html[path] = html
        return self.base + path

    async def handle(self, request: web.Request) -> web.Response:
        self.requested.append(request.path)
        html = self.html.get(request.path)
        if html is None:
            return web.Response(status=404, text="not found")
        return web.Response(text=html, content_type="text/html", charset="utf-8")
