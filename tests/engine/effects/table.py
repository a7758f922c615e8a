"""A hand-built table for effect tests: put cards where a test needs them, run an effect.

`Table` builds a real `GameState` (validated once) in the main phase of player 0's
turn, with the bundled catalog plus any cards a test prints on the spot (`print_card`),
so a step whose choice needs a continuation is located like a catalog card's.
Coins can be loaded (`LoadedRng`): a test states the flips it needs instead of
searching for a seed; everything else about randomness is the engine's own `Rng`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from pydantic import JsonValue, TypeAdapter

from app.catalog.card_service import CardService
from app.core.cards import CARD_DEFINITION_ADAPTER, CardDefinition, EnergyType
from app.core.effects import Step
from app.core.enums import GameType
from app.core.game_state import (
    CardInstance,
    ChoiceSource,
    GameState,
    LastingEffect,
    PlayerIndex,
    PlayerState,
    StadiumInPlay,
    TurnPhase,
)
from app.core.rules import RulesConfig
from app.engine import ops
from app.engine.context import Ctx
from app.engine.effects import EXECUTOR
from app.engine.hooks import EffectRun
from app.engine.index import CardIndex, build_index
from app.engine.rng import Rng
from tests.engine.builders import engine_only_cards

AT = datetime(2026, 1, 1, tzinfo=UTC)
STEPS: TypeAdapter[tuple[Step, ...]] = TypeAdapter(tuple[Step, ...])
ENERGY = {
    EnergyType.GRASS: "mv1-156",
    EnergyType.FIRE: "mv1-157",
    EnergyType.WATER: "mv1-158",
    EnergyType.LIGHTNING: "mv1-159",
    EnergyType.PSYCHIC: "mv1-160",
    EnergyType.FIGHTING: "mv1-161",
    EnergyType.DARKNESS: "mv1-162",
    EnergyType.METAL: "mv1-163",
}
"""Basic energy card per type."""
GRASS_60 = "mv1-001"
"""A plain basic Grass creature, 60 HP, weak to Fire."""
FIRE_60 = "mv1-014"
"""A plain basic Fire creature, 60 HP, weak to Water."""
WATER_60 = "mv1-027"
"""A plain basic Water creature, 60 HP, weak to Lightning."""


@functools.cache
def catalog() -> Mapping[str, CardDefinition]:
    """The bundled catalog plus the engine-only test cards (tests/engine/builders.py)."""
    return {**CardService.load(Path("data/cards")).by_id, **engine_only_cards()}


class LoadedRng(Rng):
    """The engine's `Rng` with coins that come out as the test says (then heads)."""

    __slots__ = ("flips",)

    def __init__(self, flips: Iterable[bool]) -> None:
        super().__init__(7, 0)
        self.flips = list(flips)

    def coin(self) -> bool:
        """The next scripted flip (heads once the script runs out)."""
        return self.flips.pop(0) if self.flips else True


class Table:
    """A game state to build by hand and run effects on (see the module docstring)."""

    def __init__(self, *, turn: int = 3, rules: RulesConfig | None = None) -> None:
        self.cards: dict[str, CardDefinition] = dict(catalog())
        self._printed = itertools.count(1)
        self._ids = itertools.count(1)
        self.state = GameState(
            game_id=uuid4(),
            game_type=GameType.FREEPLAY,
            rules=rules or RulesConfig(),
            players=(PlayerState(user_id=uuid4()), PlayerState(user_id=uuid4())),
            rng_seed=11,
            turn_number=turn,
            current_player=0,
            phase=TurnPhase.MAIN,
            started_at=AT,
            last_action_at=AT,
        )
        self._index: CardIndex | None = None
        self.ctx = self.new_ctx()

    # ------------------------------------------------------------------ cards

    @property
    def index(self) -> CardIndex:
        """The catalog index of this table's cards (rebuilt after `print_card`)."""
        if self._index is None:
            self._index = build_index(self.cards)
        return self._index

    def print_card(self, data: dict[str, Any]) -> str:
        """Add a card made for the test (set ``zz``) and return its id."""
        number = next(self._printed)
        card = CARD_DEFINITION_ADAPTER.validate_python(
            {
                "id": f"zz-{number:03d}",
                "set_id": "zz",
                "number": number,
                "rarity": "common",
                "illustrator": "Test",
                "image_path": "zz.png",
                **data,
            }
        )
        self.cards[card.id] = card
        self._index = None
        self.ctx = self.new_ctx(self.ctx.rng)
        return card.id

    def attacker_with(self, steps: Sequence[dict[str, Any]], *, damage: int = 30) -> str:
        """A basic Colorless creature whose attack 0 runs `steps`."""
        return self.print_card(
            {
                "card_type": "creature",
                "name": f"Tester {next(self._ids)}",
                "stage": "basic",
                "hp": 100,
                "element": "colorless",
                "attacks": [
                    {"name": "Test", "damage": damage, "effect_text": "test", "effects": steps}
                ],
            }
        )

    def item_with(self, steps: Sequence[dict[str, Any]], **extra: Any) -> str:
        """An item whose effect runs `steps`."""
        return self.print_card(
            {
                "card_type": "trainer",
                "trainer_subtype": "item",
                "name": f"Test Item {next(self._ids)}",
                "text": "test",
                "effects": steps,
                **extra,
            }
        )

    # ------------------------------------------------------------------ zones

    def card(self, definition_id: str) -> CardInstance:
        """A fresh instance of a definition, in no zone yet."""
        return ops.new_instance(f"t{next(self._ids):03d}", definition_id)

    def creature(
        self,
        seat: PlayerIndex,
        definition_id: str,
        *,
        active: bool = False,
        damage: int = 0,
        energy: Sequence[str] = (),
        tool: str | None = None,
        turn_played: int = 1,
    ) -> CardInstance:
        """Put a creature in play (the active spot or the end of the bench)."""
        creature = self.card(definition_id)
        creature.damage = damage
        creature.turn_played = turn_played
        for energy_id in energy:
            creature.attached_energy.append(ops.attached(self.card(energy_id)))
        if tool is not None:
            creature.attached_tool = ops.attached(self.card(tool))
        player = self.state.players[seat]
        if active:
            player.active = creature
        else:
            player.bench.append(creature)
        return creature

    def put(self, seat: PlayerIndex, zone: str, *definition_ids: str) -> list[CardInstance]:
        """Add cards to a list zone (``hand``, ``deck`` (last is the top), ``discard``...)."""
        made = [self.card(d) for d in definition_ids]
        getattr(self.state.players[seat], zone).extend(made)
        return made

    def stadium(self, definition_id: str, owner: PlayerIndex = 0) -> CardInstance:
        """Put a stadium in play."""
        card = self.card(definition_id)
        self.state.stadium = StadiumInPlay(card=card, owner=owner, turn_played=1)
        return card

    def ids(self, seat: PlayerIndex, zone: str) -> list[str]:
        """Definition ids in a list zone, in order."""
        return [c.definition_id for c in getattr(self.state.players[seat], zone)]

    def lasting(self, creature: CardInstance, modifier: dict[str, JsonValue]) -> None:
        """Put a lasting effect (no expiry) on a creature in play."""
        located = ops.locate(self.ctx, creature.instance_id)
        assert located is not None
        ops.add_lasting(
            self.ctx,
            LastingEffect(
                modifier=modifier,
                player=located[0],
                target=creature.instance_id,
                created_turn=self.state.turn_number,
            ),
        )

    # ------------------------------------------------------------------ running

    def new_ctx(self, rng: Rng | None = None) -> Ctx:
        """A fresh action context (new event list) on this table."""
        return Ctx(self.state, self.index, rng or Rng(11, self.state.version), AT)

    def coins(self, *flips: bool) -> None:
        """Load the coins of the next effects (then heads)."""
        self.ctx = Ctx(self.state, self.index, LoadedRng(flips), AT, self.ctx.events)

    def attack(self, seat: PlayerIndex = 0, index: int = 0) -> EffectRun:
        """Run the attack of `seat`'s active creature (steps and main damage)."""
        attacker = self.state.players[seat].active
        assert attacker is not None
        attack = self.index.creature(attacker.definition_id).attacks[index]
        run = EffectRun(
            ChoiceSource.ATTACK, seat, attacker.instance_id, index, damage=attack.damage
        )
        EXECUTOR.run(self.ctx, run, attack.effects)
        return run

    def play(self, definition_id: str, seat: PlayerIndex = 0) -> EffectRun:
        """Play a trainer the way the core engine does: to the discard pile, then its effects."""
        card = self.card(definition_id)
        self.state.players[seat].discard.append(card)
        trainer = self.index.trainers[definition_id]
        run = EffectRun(ChoiceSource.TRAINER, seat, card.instance_id)
        EXECUTOR.run(self.ctx, run, trainer.effects)
        return run

    def use(self, creature: CardInstance, index: int = 0, seat: PlayerIndex = 0) -> EffectRun:
        """Use an ability's steps."""
        ability = self.index.creature(creature.definition_id).abilities[index]
        run = EffectRun(ChoiceSource.ABILITY, seat, creature.instance_id, index)
        EXECUTOR.run(self.ctx, run, ability.steps)
        return run

    def answer(self, *picked: str) -> EffectRun | None:
        """Answer the pending choice with `picked`."""
        choice = self.state.pending_choice
        assert choice is not None, "no choice is pending"
        assert set(picked) <= set(choice.options), f"{picked} not in {choice.options}"
        assert choice.min_count <= len(picked) <= choice.max_count
        return EXECUTOR.resume(self.ctx, choice, tuple(picked))

    def answer_all(self, pick: str = "first") -> int:
        """Answer every choice in turn (the first options, as many as needed); how many."""
        answered = 0
        while (choice := self.state.pending_choice) is not None:
            count = max(choice.min_count, min(1, choice.max_count))
            options = choice.options if pick == "first" else list(reversed(choice.options))
            self.answer(*options[:count])
            answered += 1
            assert answered < 50, "choices never end"
        return answered

    def events(self, kind: str) -> list[Mapping[str, Any]]:
        """The data of every event of `kind` so far."""
        return [e.data for e in self.ctx.events if e.kind == kind]

    def valid(self) -> GameState:
        """The state passed through JSON and validated (every card in exactly one place)."""
        return GameState.model_validate_json(self.state.model_dump_json())
