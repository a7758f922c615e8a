"""Starting games: against a bot, with a friend by invite code, from the queue, or a rematch.

Every game starts the same way (`Lobby.start`): the decks adapted to the preset, a fresh
seed, the engine's new game stored in PostgreSQL before anything else happens (so it is
recoverable and listed for its players from the start), the record with its clock, and the
first deadline (a bot to move, a timer) scheduled.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from uuid import UUID, uuid4

from app.core.decks import DeckList, StarterDeck
from app.core.enums import GameType
from app.core.game_state import GameState
from app.core.rules import RulesConfig
from app.engine import adapt_deck, new_game
from app.play.clock import GameClock, TimeControl
from app.play.errors import NotJoinableError, PlayNotFoundError
from app.play.protocol import Ack, ErrorCode, ProtocolError
from app.play.records import GameKind, GameRecord, GameStatus, SeatInfo
from app.play.service import PlayService, at_ms
from app.play.turns import update_clock

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Letters and digits that cannot be misread for one another (no 0/O, 1/I)."""
INVITE_LENGTH = 8
TAKEN = b"taken"
"""What an invite code holds once a friend took it (until it expires), so a late joiner is
told the game started rather than that the code does not exist."""


class Lobby:
    """Makes games (module docstring)."""

    def __init__(self, service: PlayService, starters: Mapping[str, StarterDeck]) -> None:
        self.service = service
        self.starters = starters

    def control(self, kind: GameKind, timed: bool | None) -> TimeControl | None:
        """The time control of a game of `kind`: the settings', or none when `timed` is False."""
        settings = self.service.settings
        text = {
            GameKind.BOT: settings.time_control_bot,
            GameKind.FRIEND: settings.time_control_friend,
            GameKind.CASUAL: settings.time_control_casual,
            GameKind.RANKED: settings.time_control_ranked,
        }[kind]
        if timed is False and kind in (GameKind.BOT, GameKind.FRIEND):
            return None
        if timed and kind is GameKind.BOT and TimeControl.parse(text) is None:
            text = settings.time_control_casual
        control = TimeControl.parse(text)
        if control is not None and kind is GameKind.BOT and settings.bot_grace_seconds == 0:
            # No one waits on a player who left a bot: only the turn timer applies.
            control = control.model_copy(update={"grace_ms": 24 * 3600 * 1000})
        return control

    def _delay_ms(self, kind: GameKind) -> int:
        settings = self.service.settings
        seconds = (
            settings.spectator_delay_ranked_seconds
            if kind is GameKind.RANKED
            else settings.spectator_delay_seconds
        )
        return int(seconds * 1000)

    def bot_deck(self, seed: int) -> tuple[str, DeckList]:
        """A starter deck for a bot, picked by `seed`; its name."""
        names = sorted(self.starters)
        starter = self.starters[names[seed % len(names)]]
        return starter.name, DeckList.from_starter(starter)

    def _record(
        self, kind: GameKind, preset: str, seats: list[SeatInfo], timed: bool | None
    ) -> GameRecord:
        return GameRecord(
            game_id=uuid4(),
            kind=kind,
            preset=preset,
            seats=seats,
            created_ms=self.service.now_ms(),
            control=self.control(kind, timed),
            spectator_delay_ms=self._delay_ms(kind),
        )

    async def create_bot_game(
        self, player: SeatInfo, preset: str, level: str, timed: bool | None = None
    ) -> GameRecord:
        """A game against a bot of `level`, which sits in seat 1 and plays a starter deck."""
        seed = PlayService.new_seed()
        deck_name, deck = self.bot_deck(seed)
        bot = SeatInfo(name=f"{level.title()} bot ({deck_name})", bot=level, deck=deck)
        record = self._record(GameKind.BOT, preset, [player, bot], timed)
        await self.start(record, seed)
        return record

    async def create_friend_game(
        self, player: SeatInfo, preset: str, timed: bool | None = None
    ) -> GameRecord:
        """A private game waiting for a friend: its invite code is good for ``INVITE_TTL``."""
        record = self._record(GameKind.FRIEND, preset, [player], timed)
        record.status = GameStatus.WAITING
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
        ttl = self.service.settings.invite_ttl_seconds
        record.invite_code = code
        record.invite_expires_ms = record.created_ms + ttl * 1000
        storage = self.service.storage
        await storage.save(record, durable=True)
        await storage.redis.set(storage.key("invite", code), str(record.game_id), ex=ttl)
        return record

    async def join(self, code: str, player: SeatInfo) -> GameRecord:
        """Take the invite `code` and start its game with `player` in seat 1.

        Raises:
            PlayNotFoundError: no such code, or it expired.
            NotJoinableError: it is the player's own game, or someone took it first.
        """
        storage = self.service.storage
        key = storage.key("invite", code.strip().upper())
        raw = await storage.redis.get(key)
        if raw is None:
            raise PlayNotFoundError(f"no game has the invite code {code!r} (it may have expired)")
        if raw == TAKEN:
            raise NotJoinableError("someone else took this invite first")
        game_id = UUID(raw.decode() if isinstance(raw, bytes) else raw)
        record = await storage.load(game_id)
        if record is None or record.status is not GameStatus.WAITING:
            raise NotJoinableError("this game has started already")
        if player.user_id is not None and record.seat_of(player.user_id) is not None:
            raise NotJoinableError("this is your own game: send the invite to a friend")
        # Claim it atomically: of two friends joining at once, one gets the game id back.
        claimed = await storage.redis.set(key, TAKEN, xx=True, get=True, keepttl=True)
        if claimed is None or claimed == TAKEN:
            raise NotJoinableError("someone else took this invite first")
        record.seats.append(player)
        record.invite_code = None
        record.invite_expires_ms = None
        await self.start(record, PlayService.new_seed())
        return record

    async def create_match(self, kind: GameKind, preset: str, seats: list[SeatInfo]) -> GameRecord:
        """A game between two queued players (seat order as given)."""
        record = self._record(kind, preset, seats, None)
        await self.start(record, PlayService.new_seed())
        return record

    async def start(self, record: GameRecord, seed: int) -> GameState:
        """Deal the game of `record`, store it, then its record and first deadline."""
        service = self.service
        rules = RulesConfig.preset(record.preset)
        decks = []
        for seat in record.seats:
            assert seat.deck is not None
            decks.append(adapt_deck(seat.deck, rules, service.cards))
        identities = tuple(
            seat.user_id if seat.user_id is not None else f"bot-{seat.bot}" for seat in record.seats
        )
        now = service.now_ms()
        state = new_game(
            game_id=record.game_id,
            game_type=GameType.RANKED if record.kind is GameKind.RANKED else GameType.FREEPLAY,
            rules=rules,
            decks=(decks[0], decks[1]),
            identities=(identities[0], identities[1]),
            seed=seed,
            cards=service.cards,
            at=at_ms(now),
        )
        await service.games.persist_to_db(state)
        record.status = GameStatus.ACTIVE
        record.version = state.version
        if record.control is not None:
            record.clock = GameClock.start(record.control)
            update_clock(record, state, [], now)
        await service.store_record(record, state, durable=True)
        return state

    async def rematch(self, game_id: UUID, seat: int, message_id: str) -> Ack:
        """`seat` asks for a rematch; when both have, the new game starts with seats swapped."""
        service = self.service
        async with service.storage.locked(game_id):
            record = await service.storage.load(game_id)
            if record is None:
                raise ProtocolError(ErrorCode.GAME_NOT_FOUND, "no such game")
            if record.status is not GameStatus.ENDED:
                raise ProtocolError(ErrorCode.BAD_MESSAGE, "a rematch is asked for after the end")
            done = record.acked(seat, message_id)
            if done is not None:
                return Ack(id=message_id, v=done)
            if seat not in record.rematch:
                record.rematch.append(seat)
            wanted = {index for index, info in enumerate(record.seats) if info.bot is None}
            if record.next_game is None and wanted <= set(record.rematch):
                again = self._record(
                    record.kind, record.preset, [record.seats[1], record.seats[0]], None
                )
                again.control = record.control
                await self.start(again, PlayService.new_seed())
                record.next_game = again.game_id
            record.remember_ack(seat, message_id, record.version)
            await service.storage.save(record, durable=True)
            if record.next_game is not None:
                await service.notify(game_id, {"t": "rematch", "game_id": str(record.next_game)})
            else:
                await service.notify(game_id, {"t": "offer", "kind": "rematch", "seat": seat})
            return Ack(id=message_id, v=record.version)
