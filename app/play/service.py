"""The game service: every change to a live game, made once, whichever instance makes it.

Each change (a seat's action, a resignation, a draw, a bot's move, a timer running out)
runs under the game's lock (`app.play.storage`) and in the same order:

1. read the record and the engine state (the game store: Redis, else PostgreSQL);
2. refuse what is not allowed, with the protocol's error code, changing nothing;
3. apply it with the engine (all or nothing), save it through the game store (version
   checked: an older or concurrent state is refused there too), persist a turn boundary
   to PostgreSQL, move an ended game to the history (ratings in the same transaction);
4. bring the record up to date (the acknowledged message id, the clock, the offers) and
   store it, schedule the game's next deadline, and publish every viewer's frames.

An action's message id is remembered with the version it produced, so a resend after a
reconnect is acknowledged again and never applied twice; a request id (the version the
request was made at) that is no longer the game's version is stale.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.config import Settings
from app.core.cards import CardDefinition
from app.core.game_state import GameResult, GameState, PlayerIndex, TurnPhase
from app.db.models import GameHistory
from app.engine import (
    Action,
    ActionKind,
    IllegalActionError,
    acting_player,
    apply,
    is_turn_boundary,
    legal_actions,
)
from app.engine.actions import ENDINGS
from app.engine.bots import make_bot
from app.engine.errors import ActionFieldError
from app.engine.events import Event
from app.engine.integrity import ensure_checked, mark_checked
from app.play import clock as timer
from app.play import ratings
from app.play.clock import Expiry
from app.play.frames import change_message
from app.play.protocol import Ack, ActionPayload, ErrorCode, ProtocolError
from app.play.records import GameKind, GameRecord, GameStatus
from app.play.storage import Hold, PlayStorage
from app.play.turns import BOT_MOVE, clock_message, default_action, iso, next_due, update_clock
from app.store.manager import GameStateManager
from app.store.replays import replay_from_history

logger = logging.getLogger(__name__)

FINISHED_KEPT = 256
"""Finished games whose last state a process keeps, for players opening them after the end."""

LIVE_KEPT = 4096
"""Live games whose state a process keeps in memory between changes (the most recent)."""

Clock = Callable[[], int]
"""Milliseconds since the epoch (injectable, so tests can move time)."""


def as_seat(seat: int) -> PlayerIndex:
    """`seat` as the engine's seat type (0 or 1)."""
    return 0 if seat == 0 else 1


def wall_ms() -> int:
    """The machine's clock in milliseconds."""
    return time.time_ns() // 1_000_000


def at_ms(ms: int) -> datetime:
    """Milliseconds since the epoch as an aware datetime (the engine's action times)."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def bot_seed(state: GameState) -> int:
    """A bot's seed for one decision: from the game's seed and version, so a replay agrees."""
    digest = hashlib.blake2b(f"{state.rng_seed}:{state.version}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") >> 1


class PlayService:
    """Applies changes to live games (module docstring); one per service process."""

    def __init__(
        self,
        settings: Settings,
        storage: PlayStorage,
        games: GameStateManager,
        cards: Mapping[str, CardDefinition],
        clock: Clock = wall_ms,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.games = games
        self.cards = cards
        self.now_ms = clock
        self._finished: dict[UUID, GameState] = {}
        # The state of each game this process changed last, kept between changes so that a
        # change costs a check of the store's head instead of a load (`_state`); only ever
        # used under the game's lock, and dropped when a change fails part-way.
        self._states: OrderedDict[UUID, GameState] = OrderedDict()
        # The lock this process holds for a game while it changes it: the record read with
        # it, and released with the change's last write (`store_record`).
        self._holds: dict[UUID, Hold] = {}

    # -- reading ---------------------------------------------------------------------------

    async def load(self, game_id: UUID) -> tuple[GameRecord, GameState | None]:
        """The game's record and state (None while waiting, or once moved to the history).

        Raises:
            ProtocolError: ``game_not_found``.
        """
        record = await self.storage.load(game_id)
        if record is None:
            raise ProtocolError(ErrorCode.GAME_NOT_FOUND, "no such game")
        if record.status is GameStatus.WAITING:
            return record, None
        state = await self.games.load_state(game_id)
        if state is None and record.status is GameStatus.ENDED:
            state = await self.final_state(game_id)
        return record, state

    async def final_state(self, game_id: UUID) -> GameState | None:
        """A finished game's last state, dealt and replayed again from its history row."""
        cached = self._finished.get(game_id)
        if cached is not None:
            return cached
        async with self.storage.session() as session:
            data = (
                await session.execute(
                    select(GameHistory.replay_data).where(GameHistory.id == game_id)
                )
            ).scalar_one_or_none()
        if data is None:
            return None
        state = replay_from_history(data, self.cards)
        self._finished[game_id] = state
        while len(self._finished) > FINISHED_KEPT:
            del self._finished[next(iter(self._finished))]
        return state

    # -- changes from a seat ---------------------------------------------------------------

    async def act(
        self, game_id: UUID, seat: int, message_id: str, rqid: int, payload: ActionPayload
    ) -> Ack:
        """Apply `seat`'s action answering request `rqid`, once per `message_id`.

        Raises:
            ProtocolError: why nothing changed (``game_over``, ``stale_request``,
                ``not_your_turn``, ``illegal_action`` with the field refused).
        """

        async def change(record: GameRecord, state: GameState) -> None:
            if rqid != state.version:
                raise ProtocolError(
                    ErrorCode.STALE_REQUEST,
                    f"request {rqid} is not the current one ({state.version})",
                    "rqid",
                )
            if acting_player(state) != seat:
                raise ProtocolError(ErrorCode.NOT_YOUR_TURN, "the other player must act now")
            events = self._apply(state, self._action(payload))
            await self._commit(record, state, events, ack=(seat, message_id))

        return await self._seat_change(game_id, seat, message_id, change)

    async def resign(self, game_id: UUID, seat: int, message_id: str) -> Ack:
        """`seat` gives up, whoever's turn it is."""

        async def change(record: GameRecord, state: GameState) -> None:
            events = self._apply(state, Action(ActionKind.RESIGN, player=as_seat(seat)))
            await self._commit(record, state, events, ack=(seat, message_id))

        return await self._seat_change(game_id, seat, message_id, change)

    async def offer_draw(self, game_id: UUID, seat: int, message_id: str) -> Ack:
        """`seat` offers a draw; it stands until that seat's turn ends, or the other answers."""

        async def change(record: GameRecord, state: GameState) -> None:
            if not self.draws_allowed(record, state):
                raise ProtocolError(
                    ErrorCode.DRAW_NOT_OFFERED, "this game cannot end in a draw by agreement"
                )
            record.draw_offer = seat
            record.remember_ack(seat, message_id, state.version)
            await self.storage.save(record)
            await self.notify(game_id, {"t": "offer", "kind": "draw", "seat": seat})

        return await self._seat_change(game_id, seat, message_id, change)

    async def answer_draw(self, game_id: UUID, seat: int, message_id: str, accept: bool) -> Ack:
        """Accept (the game ends drawn) or decline the other seat's standing offer."""

        async def change(record: GameRecord, state: GameState) -> None:
            if record.draw_offer is None or record.draw_offer == seat:
                raise ProtocolError(
                    ErrorCode.DRAW_NOT_OFFERED, "no draw offer of the opponent stands"
                )
            record.draw_offer = None
            if not accept:
                record.remember_ack(seat, message_id, state.version)
                await self.storage.save(record)
                return
            events = self._apply(state, Action(ActionKind.AGREE_DRAW, player=as_seat(seat)))
            await self._commit(record, state, events, ack=(seat, message_id))

        return await self._seat_change(game_id, seat, message_id, change)

    async def _seat_change(
        self,
        game_id: UUID,
        seat: int,
        message_id: str,
        change: Callable[[GameRecord, GameState], Awaitable[None]],
    ) -> Ack:
        """Make a seat's `change` once per `message_id`, under the game's lock.

        A message id already applied is acknowledged again with the version it produced,
        and nothing is done; a game that has ended refuses every change (``game_over``).
        """
        async with self._changing(game_id):
            record, state = await self._live(game_id)
            done = record.acked(seat, message_id)
            if done is not None:
                return Ack(id=message_id, v=done)
            if state.phase is TurnPhase.ENDED:
                raise ProtocolError(ErrorCode.GAME_OVER, "the game has ended")
            await change(record, state)
            return Ack(id=message_id, v=state.version)

    def draws_allowed(self, record: GameRecord, state: GameState) -> bool:
        """Whether the players may agree to a draw.

        Where the preset can end in a draw (it has a turn limit), and never in rated games (a
        draw would move ratings by agreement) nor against a bot.
        """
        if record.kind in (GameKind.RANKED, GameKind.BOT):
            return False
        return state.rules.win.turn_limit is not None

    # -- changes from the server -----------------------------------------------------------

    async def fire(self, game_id: UUID) -> None:
        """Do what has fallen due for the game (a bot's move, a timer), if it still has.

        Called by whichever instance found the deadline; the lock and the re-check here
        make sure it happens once, and never after the seat acted in time.
        """
        async with self._changing(game_id):
            record = await self.storage.load(game_id, self._holds.get(game_id))
            if record is None or record.status is not GameStatus.ACTIVE:
                await self.storage.set_deadline(game_id, None)
                return
            state = await self._state(game_id)
            if state is None or state.phase is TurnPhase.ENDED:
                await self.storage.set_deadline(game_id, None)
                return
            now = self.now_ms()
            if record.version != state.version:
                # A crash between the state's save and the record's: catch the record up.
                update_clock(record, state, [], now)
                record.version = state.version
                record.due_ms = None
            if record.due_ms is not None and record.due_ms > now:
                await self.storage.set_deadline(game_id, record.due_ms)
                return
            due = next_due(record, state, now, 0)
            if due is None or due.at_ms > now:
                record.due_ms = None if due is None else due.at_ms
                await self.storage.set_deadline(game_id, record.due_ms)
                return
            await self._expire(record, state, due.what, now)

    async def _expire(self, record: GameRecord, state: GameState, what: str, now: int) -> None:
        seat = acting_player(state)
        if what == BOT_MOVE:
            level = record.seats[seat].bot or "normal"
            bot = make_bot(level, bot_seed(state))
            actions = legal_actions(state, self.cards)
            # A searching bot thinks for a while: off the event loop, so connections flow.
            action = await asyncio.to_thread(bot.choose, state, actions, self.cards)
            mark_checked(state)  # the bot reads it, never changes it: still the engine's
            await self._commit(record, state, self._apply(state, action))
            return
        assert record.clock is not None
        if what == Expiry.WARNING.value:
            record.clock = timer.mark_warned(record.clock, seat)
            await self.store_record(record, state, durable=False)
            warning = clock_message(record, state, warning=True)
            if warning is not None:
                await self.notify(record.game_id, {"t": "clock", **warning.model_dump(mode="json")})
            return
        record.clock = timer.stop(record.clock, now)
        if what == Expiry.DEFAULT_ACTION.value:
            record.clock = timer.record_timeout(record.clock, seat)
            action = default_action(state, self.cards)
        elif what == Expiry.LOSS_ON_TIME.value:
            action = Action(ActionKind.LOSE_ON_TIME, player=as_seat(seat))
        else:
            action = Action(ActionKind.ABANDON, player=as_seat(seat))
        logger.info("game %s: seat %d %s at version %d", record.game_id, seat, what, state.version)
        await self._commit(record, state, self._apply(state, action))

    async def set_connected(self, game_id: UUID, seat: int, connected: bool) -> None:
        """Record a seat coming or going: its grace window starts, or stops and refills."""
        async with self._changing(game_id):
            record = await self.storage.load(game_id, self._holds.get(game_id))
            if record is None or record.status is not GameStatus.ACTIVE:
                return
            control = record.control
            grace_ends: str | None = None
            if control is not None and record.clock is not None:
                now = self.now_ms()
                record.clock = timer.set_connected(record.clock, seat, connected, control, now)
                if not connected:
                    grace_ends = iso(now + record.clock.seats[seat].grace_left_ms)
                state = await self._state(game_id)
                if state is not None:
                    await self.store_record(record, state, durable=False)
            await self.notify(
                game_id,
                {"t": "presence", "seat": seat, "connected": connected, "grace_ends": grace_ends},
            )

    # -- the common path -------------------------------------------------------------------

    async def _live(self, game_id: UUID) -> tuple[GameRecord, GameState]:
        """Under the game's lock: its record and latest state, or why there is none."""
        record = await self.storage.load(game_id, self._holds.get(game_id))
        if record is None:
            raise ProtocolError(ErrorCode.GAME_NOT_FOUND, "no such game")
        state = None
        if record.status is not GameStatus.WAITING:
            state = await self._state(game_id)
            if state is None and record.status is GameStatus.ENDED:
                state = await self.final_state(game_id)
        if state is None:
            if record.status is GameStatus.WAITING:
                raise ProtocolError(ErrorCode.GAME_NOT_FOUND, "the game has not started yet")
            raise ProtocolError(ErrorCode.GAME_OVER, "the game has ended")
        return record, state

    @asynccontextmanager
    async def _changing(self, game_id: UUID) -> AsyncIterator[None]:
        """Hold the game's lock for a change; forget its state in memory if the change fails.

        A refusal (`ProtocolError`) changed nothing: the engine's `apply` is all or nothing.
        Anything else may have left the state applied but not saved, so the next change
        loads it from the store again.
        """
        async with self.storage.locked(game_id) as hold:
            self._holds[game_id] = hold
            try:
                yield
            except ProtocolError:
                raise
            except BaseException:
                self._states.pop(game_id, None)
                raise
            finally:
                self._let_go(game_id, hold)

    async def _state(self, game_id: UUID) -> GameState | None:
        """Under the game's lock: its latest state, kept in memory when the store agrees."""
        known = self._states.get(game_id)
        if known is None:
            state = await self.games.load_state(game_id)
        else:
            state = await self.games.current_state(known)
        if state is None or state.phase is TurnPhase.ENDED:
            self._states.pop(game_id, None)
        else:
            if state is known:
                # Unchanged since the engine produced or checked it: spare `apply` and
                # `legal_actions` the whole-state check (their memo holds one state only).
                mark_checked(state)
            else:
                # Once per load, so a state kept in memory is always one the engine checked.
                ensure_checked(state, self.cards)
            self._states[game_id] = state
            self._states.move_to_end(game_id)
            while len(self._states) > LIVE_KEPT:
                self._states.popitem(last=False)
        return state

    @staticmethod
    def _action(payload: ActionPayload) -> Action:
        params = payload.model_dump(exclude_none=True)
        kind = params.pop("kind")
        if kind in {ending.value for ending in ENDINGS}:
            raise ProtocolError(
                ErrorCode.ILLEGAL_ACTION,
                f"{kind!r} is not an action a seat plays; send the `resign` message to resign",
                "action.kind",
            )
        try:
            return Action.from_params(kind, params)
        except ActionFieldError as exc:
            raise ProtocolError(ErrorCode.ILLEGAL_ACTION, str(exc), f"action.{exc.field}") from None
        except IllegalActionError as exc:
            raise ProtocolError(ErrorCode.ILLEGAL_ACTION, str(exc), "action") from None

    def _apply(self, state: GameState, action: Action) -> list[Event]:
        at = max(at_ms(self.now_ms()), state.last_action_at)
        try:
            return apply(state, action, self.cards, at=at)
        except ActionFieldError as exc:
            raise ProtocolError(ErrorCode.ILLEGAL_ACTION, str(exc), f"action.{exc.field}") from None
        except IllegalActionError as exc:
            raise ProtocolError(ErrorCode.ILLEGAL_ACTION, str(exc), "action") from None

    def _think_ms(self) -> int:
        return self.settings.bot_think_ms

    async def _commit(
        self,
        record: GameRecord,
        state: GameState,
        events: list[Event],
        ack: tuple[int, str] | None = None,
    ) -> None:
        # One action, one version: these events take a viewer from the version before to this.
        from_v = state.version - 1
        boundary = is_turn_boundary(events)
        if boundary:
            record.draw_offer = None
        if ack is not None:
            record.remember_ack(ack[0], ack[1], state.version)
        update_clock(record, state, events, self.now_ms())
        record.version = state.version
        # The frames first, with no await since `apply`: the engine's memo of the state it
        # checked is still this one (other games' changes replace it while this one waits).
        clock = clock_message(record, state)
        message = change_message(record, state, events, from_v, self.cards, clock)
        await self.games.save_to_cache(state, events)
        ended = state.phase is TurnPhase.ENDED
        if ended:
            if boundary:
                await self.games.persist_to_db(state)
            await self._finish(record, state)
        await self.store_record(
            record, state, durable=ended, message=message, persist=boundary and not ended
        )

    async def store_record(
        self,
        record: GameRecord,
        state: GameState,
        *,
        durable: bool,
        message: str | None = None,
        persist: bool = False,
    ) -> None:
        """Save the record, schedule the game's next deadline from it, publish `message`.

        With `persist` (a turn boundary), the state goes to PostgreSQL first and the record
        with it, on the connection that wrote the state: one checkout, not two. The last
        write of a change: the game's lock, if this process holds it, goes with it.
        """
        due = next_due(record, state, self.now_ms(), self._think_ms())
        record.due_ms = None if due is None else due.at_ms
        if persist:

            async def record_too(connection: AsyncConnection) -> None:
                await self.storage.write_durable(connection, record)

            await self.games.persist_to_db(state, also=record_too)
        hold = self._holds.get(record.game_id)
        await self.storage.commit(record, durable=durable, message=message, hold=hold)
        if hold is not None:
            # Released: another change of this game (here or elsewhere) may start now.
            self._let_go(record.game_id, hold)

    def _let_go(self, game_id: UUID, hold: Hold) -> None:
        if self._holds.get(game_id) is hold:
            del self._holds[game_id]

    async def _finish(self, record: GameRecord, state: GameState) -> None:
        assert state.end_reason is not None
        record.status = GameStatus.ENDED
        record.winner = state.winner
        record.end_reason = state.end_reason.value
        result = GameResult(
            winner=state.winner, end_reason=state.end_reason, ended_at=state.last_action_at
        )
        hook = None
        users = (record.seats[0].user_id, record.seats[1].user_id)
        if record.kind is GameKind.RANKED and users[0] is not None and users[1] is not None:
            players = (users[0], users[1])

            async def hook(session: AsyncSession) -> None:
                await ratings.record_result(session, record.preset, players, state.winner)

        await self.games.end_game(state.game_id, result, hook)

    async def notify(self, game_id: UUID, message: Mapping[str, object]) -> None:
        """Publish a change that is not an action (an offer, a presence, a warning)."""
        await self.storage.publish(game_id, json.dumps(message, separators=(",", ":")))

    @staticmethod
    def new_seed() -> int:
        """A fresh game's deal seed (never shown to a seat: `view_for` leaves it out)."""
        return secrets.randbits(62)
