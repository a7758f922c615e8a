"""One WebSocket of one player or spectator: the protocol of ``docs/protocol.md``, served.

A connection reads client frames strictly (`app.play.protocol.parse_client_message`), hands
game-changing ones to the service, and sends what its viewer may see: its seat's frames from
the game's channel as they come (`deliver`), or, for a spectator, the public frames held back
by the game's spectator delay. It never sends anything it did not get filtered for its seat.

Three tasks per connection: the reader (client frames, rate-limited), the dispatcher (channel
messages, in order, catching up from the store on a gap) and the writer (one queue of
frames, so a slow client never holds up the game; one that falls too far behind is closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from app.accounts.errors import NotAuthenticatedError
from app.accounts.service import Accounts
from app.core.game_state import PlayerIndex
from app.play.frames import request_for
from app.play.hub import Hub
from app.play.lobby import Lobby
from app.play.protocol import (
    PROTOCOL_VERSION,
    Act,
    AnswerDraw,
    ErrorCode,
    EventPayload,
    Events,
    Hello,
    OfferDraw,
    Ping,
    Pong,
    ProtocolError,
    Rematch,
    Resign,
    Resync,
    ServerMessage,
    Sync,
    Welcome,
    dump_server_message,
    parse_client_message,
)
from app.play.records import GameStatus
from app.play.service import PlayService
from app.play.storage import GameBusyError
from app.play.turns import clock_message
from app.store.errors import GameStateError, GameStoreUnavailableError

logger = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0
OUTBOX_LIMIT = 1024
POLICY_VIOLATION = 1008


Inbound = Mapping[str, Any] | int | None
"""What the dispatcher takes in order: a channel message (parsed), or a catch-up from a
version (an int), or from the last version sent (None)."""


class _Closing(Exception):
    """Close the connection after sending the error (code and reason)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class TokenBucket:
    """`rate` messages a second on average, `burst` at once (time passed in, so it is testable)."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.at = float(burst), now

    def take(self, now: float) -> bool:
        """Spend one message; False when the budget is gone."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class PlayConnection:
    """One client's connection to one game (module docstring)."""

    def __init__(self, ws: WebSocket, hub: Hub, lobby: Lobby, accounts: Accounts) -> None:
        self.ws = ws
        self.hub = hub
        self.lobby = lobby
        self.service: PlayService = hub.service
        self.accounts = accounts
        self.conn_id = uuid.uuid4().hex
        self.game_id: UUID = uuid.UUID(int=0)
        self.seat: PlayerIndex | None = None
        self.session_id: UUID | None = None
        self.delay_s = 0.0
        self.last_v = -1
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._inbox: asyncio.Queue[tuple[float, Inbound]] = asyncio.Queue()
        self._closed = False
        self._close: tuple[int, str] | None = None

    # -- the life of a connection ----------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until either side closes it."""
        await self.ws.accept()
        writer = asyncio.create_task(self._write())
        tasks: list[asyncio.Task[None]] = []
        try:
            try:
                await self._hello()
            except _Closing as closing:
                self._close = (closing.code, closing.reason)
                return
            tasks = [asyncio.create_task(self._dispatch())]
            await self._read()
        except WebSocketDisconnect:
            pass
        except _Closing as closing:
            self._close = (closing.code, closing.reason)
        finally:
            for task in tasks:
                task.cancel()
            if self.game_id.int:
                with contextlib.suppress(Exception):
                    await self.hub.leave(self)
            await self._outbox.put(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer, 5)
            if self._close is not None and self.ws.client_state is WebSocketState.CONNECTED:
                with contextlib.suppress(Exception):
                    await self.ws.close(*self._close)

    async def close(self, code: int, reason: str) -> None:
        """Close from the server side (shutdown)."""
        self._close = (code, reason)
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)

    def send(self, message: ServerMessage) -> None:
        """Queue a frame; a client too far behind is closed rather than buffered without end."""
        if self._outbox.qsize() > OUTBOX_LIMIT:
            self._close = (POLICY_VIOLATION, "too far behind; reconnect with since")
            self._outbox.put_nowait(None)
            return
        self._outbox.put_nowait(dump_server_message(message))

    def _send_raw(self, frame: str | dict[str, Any]) -> None:
        if not isinstance(frame, str):
            frame = json.dumps(frame, separators=(",", ":"))
        self._outbox.put_nowait(frame)

    async def _write(self) -> None:
        while (frame := await self._outbox.get()) is not None:
            try:
                await self.ws.send_text(frame)
            except Exception:
                return
        if self._close is not None:
            with contextlib.suppress(Exception):
                await self.ws.close(*self._close)

    # -- hello -----------------------------------------------------------------------------

    async def _receive(self) -> str | bytes:
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        return text if text is not None else message.get("bytes") or b""

    async def _hello(self) -> None:
        try:
            frame = await asyncio.wait_for(self._receive(), HELLO_TIMEOUT_S)
        except TimeoutError:
            raise self._refuse(ProtocolError(ErrorCode.NOT_HELLO, "no hello within 10 s")) from None
        try:
            hello = parse_client_message(frame)
        except ProtocolError as exc:
            raise self._refuse(exc) from None
        if not isinstance(hello, Hello):
            raise self._refuse(
                ProtocolError(ErrorCode.NOT_HELLO, "the first message must be hello")
            )
        if hello.protocol != PROTOCOL_VERSION:
            raise self._refuse(
                ProtocolError(
                    ErrorCode.PROTOCOL_VERSION,
                    f"this server speaks protocol {PROTOCOL_VERSION}, not {hello.protocol}",
                    "protocol",
                )
            )
        try:
            user, claims = await self.accounts.authenticate(hello.token)
        except NotAuthenticatedError as exc:
            raise self._refuse(
                ProtocolError(ErrorCode.UNAUTHENTICATED, str(exc), "token")
            ) from None
        self.session_id = claims.session_id
        record = await self.service.storage.load(hello.game_id)
        if record is None or record.status is GameStatus.WAITING:
            raise self._refuse(ProtocolError(ErrorCode.GAME_NOT_FOUND, "no such game", "game_id"))
        if hello.role == "player":
            seat = record.seat_of(user.id)
            self.seat = None if seat is None else (0 if seat == 0 else 1)
            if self.seat is None:
                raise self._refuse(
                    ProtocolError(ErrorCode.NOT_A_PLAYER, "you do not play this game", "role")
                )
        else:
            self.delay_s = record.spectator_delay_ms / 1000
        self.game_id = record.game_id
        # Join before reading the game, so no change published meanwhile is missed.
        await self.hub.join(self)
        try:
            await self._start(hello.since)
        except ProtocolError as exc:
            raise self._refuse(exc) from None

    def _refuse(self, error: ProtocolError) -> _Closing:
        self.send(error.to_message())
        return _Closing(POLICY_VIOLATION, error.code.value)

    async def _start(self, since: int | None) -> None:
        if self.delay_s:
            frames = await self._catch_up_frames(None)
            await asyncio.sleep(self.delay_s)
        else:
            frames = await self._catch_up_frames(since)
        for frame in frames:
            self.send(frame)

    async def _catch_up_frames(self, since: int | None) -> list[ServerMessage]:
        """Welcome (first time), what was missed after `since` (or a resync), the request."""
        record, state = await self.service.load(self.game_id)
        if state is None:
            raise ProtocolError(ErrorCode.GAME_OVER, "the game has ended")
        frames: list[ServerMessage] = []
        if self.last_v < 0:
            frames.append(Welcome(game_id=self.game_id, seat=self.seat, v=state.version))
        if since is not None and since < state.version:
            missed = await self.service.games.events_since(self.game_id, since, self.seat)
            if missed is None or missed.resync or missed.version != state.version:
                view = request_for(state, self.seat, self.service.cards).view
                frames.append(Resync(v=state.version, view=view))
            else:
                events = [event for _, event in missed.events]
                # The store filtered them for this seat (or a spectator) already.
                frames.append(Events(from_v=since, v=state.version, events=_as_payloads(events)))
        frames.append(request_for(state, self.seat, self.service.cards))
        clock = clock_message(record, state)
        if clock is not None:
            frames.append(clock)
        self.last_v = state.version
        return frames

    # -- the reader ------------------------------------------------------------------------

    async def _read(self) -> None:
        settings = self.service.settings
        loop = asyncio.get_running_loop()
        bucket = TokenBucket(settings.play_rate_per_second, settings.play_rate_burst, loop.time())
        while True:
            frame = await self._receive()
            if not bucket.take(loop.time()):
                raise self._refuse(
                    ProtocolError(ErrorCode.RATE_LIMITED, "too many messages; slow down")
                )
            try:
                message = parse_client_message(frame)
            except ProtocolError as exc:
                if exc.code is ErrorCode.TOO_LARGE:
                    raise self._refuse(exc) from None
                self.send(exc.to_message())
                continue
            message_id = getattr(message, "id", None)
            try:
                await self._handle(message)
            except ProtocolError as exc:
                self.send(exc.to_message(message_id))
            except (GameBusyError, GameStoreUnavailableError, GameStateError) as exc:
                self.send(
                    ProtocolError(
                        ErrorCode.UNAVAILABLE, f"{exc}; nothing was applied, resend it"
                    ).to_message(message_id)
                )
            except Exception:
                error_id = uuid.uuid4().hex[:12]
                logger.exception("play: internal error %s on %s", error_id, type(message).__name__)
                self.send(
                    ProtocolError(
                        ErrorCode.INTERNAL, f"server fault {error_id}; it is logged"
                    ).to_message(message_id)
                )

    async def _handle(self, message: Any) -> None:
        if isinstance(message, Ping):
            self.send(Pong(id=message.id))
            return
        if isinstance(message, Hello):
            raise ProtocolError(ErrorCode.NOT_HELLO, "hello was already received")
        if isinstance(message, Sync):
            self.catch_up_soon(message.since)
            return
        seat = self.seat
        if seat is None:
            raise ProtocolError(ErrorCode.NOT_A_PLAYER, "spectators cannot change the game")
        service = self.service
        if isinstance(message, Act):
            ack = await service.act(self.game_id, seat, message.id, message.rqid, message.action)
        elif isinstance(message, Resign):
            ack = await service.resign(self.game_id, seat, message.id)
        elif isinstance(message, OfferDraw):
            ack = await service.offer_draw(self.game_id, seat, message.id)
        elif isinstance(message, AnswerDraw):
            ack = await service.answer_draw(self.game_id, seat, message.id, message.accept)
        elif isinstance(message, Rematch):
            ack = await self.lobby.rematch(self.game_id, seat, message.id)
        else:  # pragma: no cover - the union is closed
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f"unexpected {type(message).__name__}")
        self.send(ack)

    def end_session(self) -> None:
        """Its session was ended (signed out, revoked, expired): say so, then close."""
        if self._close is not None:
            return
        self.send(
            ProtocolError(
                ErrorCode.UNAUTHENTICATED, "your session was ended; sign in again"
            ).to_message()
        )
        # The writer sends what is queued (the error), then closes.
        self._close = (POLICY_VIOLATION, "session ended")
        self._outbox.put_nowait(None)

    # -- the dispatcher --------------------------------------------------------------------

    def deliver(self, message: dict[str, Any]) -> None:
        """A message from the game's channel, parsed once by the hub (read, never changed)."""
        self._inbox.put_nowait((asyncio.get_running_loop().time(), message))

    def catch_up_soon(self, since: int | None = None) -> None:
        """Fetch what was missed from the store (after a gap, a lost subscription or a sync).

        Without `since`, from the last version this connection sent.
        """
        self._inbox.put_nowait((asyncio.get_running_loop().time(), since))

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            received, data = await self._inbox.get()
            try:
                frames = await self._frames_for(data)
            except ProtocolError as exc:
                self.send(exc.to_message())
                continue
            except Exception as exc:
                logger.warning("play: cannot catch connection %s up: %s", self.conn_id, exc)
                continue
            if self.delay_s and frames:
                wait = received + self.delay_s - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            for frame in frames:
                if isinstance(frame, str | dict):
                    self._send_raw(frame)
                else:
                    self.send(frame)

    async def _frames_for(self, message: Inbound) -> list[Any]:
        if message is None:
            return await self._catch_up_frames(self.last_v)
        if isinstance(message, int):
            return await self._catch_up_frames(message)
        kind = message.get("t")
        if kind == "change":
            return await self._change(message)
        if kind == "presence":
            if message["seat"] == self.seat:
                return []
            return [{"type": "presence", **{k: v for k, v in message.items() if k != "t"}}]
        if kind == "offer":
            return (
                []
                if message["seat"] == self.seat
                else [{"type": "offer", "kind": message["kind"], "seat": message["seat"]}]
            )
        if kind == "rematch":
            return [{"type": "rematch_ready", "game_id": message["game_id"]}]
        if kind == "clock":
            return [{"type": "clock", **{k: v for k, v in message.items() if k != "t"}}]
        return []

    async def _change(self, message: Mapping[str, Any]) -> list[Any]:
        frames: list[Any] = []
        if message["v"] <= self.last_v:
            return frames
        if message["from_v"] != self.last_v:
            frames.extend(await self._catch_up_frames(self.last_v))
        elif self.seat is None:
            # A spectator's view is built here, from the state as it is now, which may be
            # newer than this message: send the events in between too, so none is skipped.
            _, state = await self.service.load(self.game_id)
            frames.append(message["public"])
            self.last_v = message["v"]
            if state is not None:
                if state.version > self.last_v:
                    frames.extend(await self._catch_up_frames(self.last_v))
                else:
                    frames.append(request_for(state, None, self.service.cards))
                    self.last_v = state.version
        else:
            frames = list(message["seats"][str(self.seat)])
            self.last_v = message["v"]
        clock = message.get("clock")
        if clock is not None:
            frames.append(clock)
        return frames


def _as_payloads(events: list[Any]) -> list[EventPayload]:
    """Events already filtered for the seat (the store filters them), as protocol payloads."""
    return [
        EventPayload(kind=event.kind, player=event.player, data=dict(event.data))
        for event in events
    ]
