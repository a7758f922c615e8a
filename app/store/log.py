"""A game in Redis as a snapshot plus the log of the actions since it.

Redis keeps each game as one hash (see `app.store.statements`): ``s`` the
snapshot, the whole `GameState` at the last turn boundary (zlib-compressed
JSON; plain JSON, as recovery copies it from PostgreSQL, is read too), ``v`` the
version of the newest action, ``h`` the lineage head at ``v`` (see
`app.store.lineage`), and one field ``e<version>`` per action played since the
snapshot. A save of one action appends its entry, a few hundred bytes, instead
of writing 22-34 KB of state; a save at a turn boundary writes a new snapshot
and drops the entries. Loading reads the hash and replays the entries on the
snapshot with the engine (`app.engine.apply` is deterministic: the dice come
from the seed and the version).

An entry holds the `ActionRecord`, the events `apply` returned (what
`GameStateManager.events_since` serves to a reconnecting player) and the
digest of the state the action produced. A load that cannot rebuild the head
exactly (an entry missing, an action the rules refuse, a replay whose state
does not hash to the recorded digest) reports the copy unusable, and the
manager replaces it by PostgreSQL's state: a copy that does not replay is never
served.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from app.core.cards import CardDefinition
from app.core.game_state import ActionRecord, GameState
from app.engine.actions import Action
from app.engine.apply import apply
from app.engine.errors import EngineError
from app.engine.events import Event

ENTRY_PREFIX: Final = "e"
"""Hash field of the log entry of version N: ``e<N>``."""

_RECORD: Final = TypeAdapter(ActionRecord)
_STATE: Final = TypeAdapter(GameState)


def state_digest(payload: str | bytes) -> str:
    """The digest a log entry records for the state it produced (of its JSON, hex)."""
    data = payload.encode() if isinstance(payload, str) else payload
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def encode_snapshot(payload: str | bytes) -> bytes:
    """A state's JSON as stored in a snapshot: zlib, about a tenth of the bytes."""
    return zlib.compress(payload.encode() if isinstance(payload, str) else payload, 6)


def without_log(state: GameState) -> bytes:
    """`state`'s JSON without its action log: what a snapshot keeps (its size stays flat)."""
    return _STATE.dump_json(state, exclude={"action_log"})


def records_json(records: Sequence[ActionRecord]) -> bytes:
    """Action records as the kept records hold them: JSON objects joined by commas."""
    return b",".join(_RECORD.dump_json(record) for record in records)


def with_log(snapshot: bytes, records: bytes) -> bytes:
    """A whole state's JSON from a snapshot without its log and the kept records."""
    return snapshot[:-1] + b',"action_log":[' + records + b"]}"


def decode_snapshot(raw: bytes) -> bytes:
    """A snapshot's JSON; plain JSON (copied from PostgreSQL) is returned as it is.

    Raises:
        ValueError: neither JSON nor a zlib stream.
    """
    if raw[:1] in (b"{", b"[", b'"'):
        return raw
    try:
        return zlib.decompress(raw)
    except zlib.error as exc:
        raise ValueError(f"the snapshot is neither JSON nor zlib ({exc})") from None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One action in the log: what was played, what it caused, what it produced."""

    record: ActionRecord
    events: tuple[Event, ...]
    digest: str

    def encode(self) -> str:
        """The entry as stored: a compact JSON array (no field names: bytes per action)."""
        record = self.record
        return json.dumps(
            [
                record.version,
                record.turn,
                record.player,
                record.kind,
                record.params,
                record.at.isoformat(),
                [[e.kind, e.player, dict(e.data)] for e in self.events],
                self.digest,
            ],
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, raw: bytes | str) -> LogEntry:
        """Raises ValueError on anything but an entry this module wrote."""
        try:
            version, turn, player, kind, params, at, events, digest = json.loads(raw)
            record = _RECORD.validate_python(
                {
                    "version": version,
                    "turn": turn,
                    "player": player,
                    "kind": kind,
                    "params": params,
                    "at": at,
                }
            )
            return cls(record, tuple(Event(str(k), p, dict(d)) for k, p, d in events), str(digest))
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            raise ValueError(f"a log entry does not parse ({exc})") from None


def entry_for(state: GameState, events: Iterable[Event], payload: str) -> LogEntry:
    """The log entry of `state`'s last action (`payload` is the state's JSON)."""
    return LogEntry(state.action_log[-1], tuple(events), state_digest(payload))


@cache
def bundled_cards(cards_dir: Path | None = None) -> Mapping[str, CardDefinition]:
    """The card catalog replays run against when the manager was given none (loaded once)."""
    from app.catalog.card_service import CardService  # the catalog is only needed to replay
    from app.config import PROJECT_ROOT

    return CardService.load(cards_dir or PROJECT_ROOT / "data" / "cards").by_id


class Replayer:
    """Rebuilds a game's head from its snapshot and log entries, and checks the result."""

    def __init__(
        self, cards: Mapping[str, CardDefinition] | None = None, cards_dir: Path | None = None
    ) -> None:
        self._cards = cards
        self._cards_dir = cards_dir

    @property
    def cards(self) -> Mapping[str, CardDefinition]:
        """The catalog the engine replays with (the bundled one unless given)."""
        if self._cards is None:
            self._cards = bundled_cards(self._cards_dir)
        return self._cards

    def replay(self, snapshot: GameState, entries: Sequence[LogEntry]) -> GameState:
        """`snapshot` with `entries` (versions snapshot+1, +2, ...) applied, in place.

        Raises:
            ValueError: an entry is out of sequence, refused by the rules, or the
                replayed state does not hash to the digest of the last entry.
        """
        state = snapshot
        for entry in entries:
            record = entry.record
            if record.version != state.version + 1:
                raise ValueError(
                    f"the log has version {record.version} after version {state.version}"
                )
            try:
                action = Action.from_params(record.kind, dict(record.params), record.player)
                apply(state, action, self.cards, at=record.at)
            except (EngineError, ValueError, KeyError, TypeError) as exc:
                raise ValueError(
                    f"version {record.version} does not replay ({type(exc).__name__}: {exc})"
                ) from None
        if entries and state_digest(state.model_dump_json()) != entries[-1].digest:
            raise ValueError(
                f"the log does not replay to its recorded digest at version {state.version}"
            )
        return state


def events_for_seat(events: Sequence[Event], seat: int | None) -> list[Event]:
    """The events `seat` may see (None: a spectator); the one place events are filtered.

    MERGE POINT: the engine is getting ``app.engine.events.events_for(events, seat)``,
    which hides what `view_for` hides (a drawn card's id from the opponent...). Until
    it lands this passes the events through unchanged; once it does, it is used here
    and nowhere else in the store.
    """
    from app.engine import events as engine_events

    events_for = getattr(engine_events, "events_for", None)
    if events_for is None:
        return list(events)
    filtered: list[Event] = events_for(events, seat)
    return filtered


def entries_in(fields: Mapping[str, Any]) -> dict[int, Any]:
    """The raw log entries among a hash's fields, by version."""
    entries: dict[int, Any] = {}
    for name, value in fields.items():
        if name.startswith(ENTRY_PREFIX) and name[len(ENTRY_PREFIX) :].isdigit():
            entries[int(name[len(ENTRY_PREFIX) :])] = value
    return entries
