"""Hand-built game states for rule tests: say what is where, get a valid state in its main phase.

A creature spec is a definition id, or ``(definition id, extras)`` with extras
``energy`` (definition ids), ``damage``, ``status`` (StatusCondition values),
``tool`` (definition id) and ``turn_played``. Under prize rules each player gets
3 prize cards unless the spec says otherwise. Instance ids are ``p{seat}-{n:03d}``
in the order the cards are listed (active, bench, hand, deck, discard, prizes,
energy deck), so tests can name them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from app.catalog.card_service import CardService
from app.core.cards import CARD_DEFINITION_ADAPTER, CardDefinition, EnergyType
from app.core.enums import GameType
from app.core.game_state import (
    AttachedCard,
    CardInstance,
    GameState,
    PlayerState,
    StatusCondition,
    TurnPhase,
)
from app.core.rules import RulesConfig, WinCondition
from app.engine import Action, ActionKind, apply
from app.engine.events import Event

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=5)

MOSSNIP = "mv1-001"  # basic grass 60, weak fire, retreat 1, [grass] 20
FERNCLAW = "mv1-002"  # stage 1 from Mossnip, 90
VERDANTUSK = "mv1-003"  # stage 2 from Fernclaw, 150, resists water 30
CINDERCUB = "mv1-014"  # basic fire 60, weak water, [fire] 20
DRIPLET = "mv1-027"  # basic water 60, weak lightning, [water] 20
ZAPKIT = "mv1-040"  # basic lightning 70, retreat 1, [lightning] 20
TECTONOX_EX = "tst-006"  # test-only basic fighting Apex 180, resists lightning 30
GRASS, FIRE, WATER, LIGHTNING = "mv1-156", "mv1-157", "mv1-158", "mv1-159"
TWIN_CORE = "tst-001"  # test-only special: provides two colorless, stage 1/2 only
ENERGY_SCOOP = "mv1-118"  # item
AMBER_AMULET = "mv1-132"  # tool
STURDY_PAULDRON = "tst-005"  # test-only tool: +20 HP
EMBER_QUARRY, FESTIVAL_PLAZA = "mv1-148", "mv1-149"  # stadiums

Spec = str | tuple[str, dict[str, Any]]


ENGINE_ONLY_CARDS = Path(__file__).with_name("engine_only_cards.json")
"""Test-only cards for rules no catalog card uses any more (see the file's ``_doc``)."""


@cache
def engine_only_cards() -> dict[str, CardDefinition]:
    """The cards of `ENGINE_ONLY_CARDS`, by id."""
    raw = json.loads(ENGINE_ONLY_CARDS.read_text(encoding="utf-8"))["cards"]
    cards = [CARD_DEFINITION_ADAPTER.validate_python(card) for card in raw]
    return {card.id: card for card in cards}


@cache
def catalog() -> Mapping[str, CardDefinition]:
    """The bundled catalog plus the engine-only test cards, loaded once per test run."""
    return {**CardService.load(Path("data/cards")).by_id, **engine_only_cards()}


def supporter_id() -> str:
    """Some supporter of the catalog."""
    return next(
        card_id
        for card_id, card in catalog().items()
        if getattr(card, "trainer_subtype", None) == "supporter"
    )


class _Ids:
    def __init__(self, seat: int) -> None:
        self.seat = seat
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"p{self.seat}-{self.n:03d}"


def _card(ids: _Ids, definition_id: str) -> CardInstance:
    return CardInstance(instance_id=ids.next(), definition_id=definition_id)


def _creature(ids: _Ids, spec: Spec) -> CardInstance:
    definition_id, extras = (spec, {}) if isinstance(spec, str) else spec
    card = _card(ids, definition_id)
    card.turn_played = extras.get("turn_played", 0)
    card.damage = extras.get("damage", 0)
    card.status_conditions = [StatusCondition(s) for s in extras.get("status", [])]
    card.attached_energy = [
        AttachedCard(instance_id=ids.next(), definition_id=e) for e in extras.get("energy", [])
    ]
    if "tool" in extras:
        card.attached_tool = AttachedCard(instance_id=ids.next(), definition_id=extras["tool"])
    return card


def _player(seat: int, spec: Mapping[str, Any]) -> PlayerState:
    ids = _Ids(seat)
    player = PlayerState(
        user_id=uuid.UUID(int=seat + 1) if seat == 0 else None,
        npc_id="npc-test" if seat == 1 else None,
    )
    if spec.get("active") is not None:
        player.active = _creature(ids, spec["active"])
    player.bench = [_creature(ids, s) for s in spec.get("bench", [])]
    player.hand = [_card(ids, d) for d in spec.get("hand", [])]
    player.deck = [_card(ids, d) for d in spec.get("deck", [MOSSNIP] * 10)]
    player.discard = [_card(ids, d) for d in spec.get("discard", [])]
    player.prizes = [_card(ids, d) for d in spec.get("prizes", [])]
    player.energy_deck = [_card(ids, d) for d in spec.get("energy_deck", [])]
    player.points = spec.get("points", 0)
    player.turns_taken = spec.get("turns_taken", 3)
    player.energy_zone = [EnergyType(t) for t in spec.get("zone", [])]
    current = spec.get("zone_current")
    player.zone_current = EnergyType(current) if current is not None else None
    player.setup_done = True
    return player


def make_state(
    rules: RulesConfig | str = "mantimon",
    *,
    p0: Mapping[str, Any] | None = None,
    p1: Mapping[str, Any] | None = None,
    turn: int = 5,
    current: int = 0,
    seed: int = 11,
) -> GameState:
    """A valid state in the main phase of `turn` with `current` to act."""
    config = RulesConfig.preset(rules) if isinstance(rules, str) else rules
    p0 = p0 if p0 is not None else {"active": MOSSNIP}
    p1 = p1 if p1 is not None else {"active": MOSSNIP}
    if config.win.condition is WinCondition.PRIZES:
        p0 = {"prizes": [MOSSNIP] * 3, **p0}
        p1 = {"prizes": [MOSSNIP] * 3, **p1}
    state = GameState(
        game_id=uuid.UUID(int=99),
        game_type=GameType.FREEPLAY,
        rules=config,
        players=(_player(0, p0), _player(1, p1)),
        rng_seed=seed,
        turn_number=turn,
        current_player=current,  # type: ignore[arg-type]
        phase=TurnPhase.MAIN,
        started_at=T0,
        last_action_at=T0,
    )
    return GameState.model_validate(state.model_dump())


def act(state: GameState, kind: ActionKind, **slots: Any) -> list[Event]:
    """Apply one action built from `slots` (card, target, index, choice, player)."""
    choice = slots.pop("choice", ())
    action = Action(kind, choice=tuple(choice), **slots)
    return apply(state, action, catalog(), at=NOW)


def kinds(events: Sequence[Event]) -> list[str]:
    """The event kinds, in order."""
    return [event.kind for event in events]


def flips(events: Sequence[Event], why: str) -> list[bool]:
    """The results of the coin flips made for `why`."""
    return [e.data["heads"] for e in events if e.kind == "coin_flipped" and e.data["why"] == why]
