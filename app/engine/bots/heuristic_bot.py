"""A bot that plays like a careful beginner: develop the board, then hit as hard as it can.

Each legal action gets a score and the best one is played (ties broken by the
bot's own seeded generator). Scores fall in bands, so the order of a turn is:

1. develop (score >= 20): evolve, put basics on the bench, attach energy where
   it brings an attack closer (the active's cheapest unpaid attack first), play
   draw supporters while the hand is small, other trainers, abilities, and
   retreat a doomed or useless active for a benched creature that can fight
   (a trainer that switches the bot's own active, like Scramble Signal, is
   judged as that retreat would be, and never played when it would not help);
2. attack (10 to 19): a knockout first (more points first), else the attack
   with the best expected damage (printed damage with weakness and resistance,
   capped at the defender's remaining HP);
3. end the turn (0). Actions judged harmful score below 0 and are never played
   while ``end_turn`` is legal.

Pending choices are answered by their kind: promote the creature most ready to
fight; aim at the opponent's creature closest to a knockout; heal or pick own
creatures most damaged; discard as little as allowed, take as much as allowed.

The bot only reads what its seat may see (the opponent's board, counts of hidden
zones). It never copies the state or looks ahead, so it costs little more than
the random bot per decision.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from app.core.cards import (
    CardDefinition,
    CreatureCard,
    EnergyType,
    Stage,
    TrainerCard,
    TrainerSubtype,
)
from app.core.effects import Draw, Side, Switch
from app.core.game_state import CardInstance, GameState, PlayerIndex, PlayerState
from app.engine import combat, query
from app.engine.actions import Action, ActionKind
from app.engine.checks import acting_player
from app.engine.context import Ctx
from app.engine.index import CardIndex, Unit, index_for
from app.engine.modifiers import sources
from app.engine.rng import Rng

COLORLESS = EnergyType.COLORLESS
MAX_ACTIONS_PER_TURN = 40
"""After this many actions in one turn the bot only attacks or ends the turn (no loops)."""


def energy_deficit(units: Sequence[Unit], cost: Sequence[EnergyType]) -> int:
    """How many more energy `cost` needs given `units` (greedy; exact for basic energy)."""
    left = sorted(units, key=len)
    missing = 0
    for need in cost:
        if need is COLORLESS:
            continue
        for position, unit in enumerate(left):
            if need in unit:
                del left[position]
                break
        else:
            missing += 1
    colorless = sum(1 for need in cost if need is COLORLESS)
    return missing + max(0, colorless - len(left))


class HeuristicBot:
    """Scores every legal action (see the module docstring); seeded tie-breaks only."""

    __slots__ = ("_rng", "_taken", "_turn")

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - game choices, not secrets
        self._turn = -1
        self._taken = 0

    def choose(
        self, state: GameState, actions: Sequence[Action], cards: Mapping[str, CardDefinition]
    ) -> Action:
        """The best-scoring action of `actions` for the player who must act."""
        scorer = self._scorer(state, cards)
        best: list[Action] = []
        top = float("-inf")
        for action in actions:
            score = scorer.score(action)
            if score > top:
                top, best = score, [action]
            elif score == top:
                best.append(action)
        return best[0] if len(best) == 1 else best[self._rng.randrange(len(best))]

    def ranked(
        self, state: GameState, actions: Sequence[Action], cards: Mapping[str, CardDefinition]
    ) -> list[tuple[float, Action]]:
        """Every action of `actions` with its score, best first (ties in the given order).

        What a searching bot uses as its prior; counts as a decision of this bot
        (the per-turn action cap), and draws nothing from its generator.
        """
        scorer = self._scorer(state, cards)
        scored = [
            (scorer.score(action), position, action) for position, action in enumerate(actions)
        ]
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(score, action) for score, _, action in scored]

    def _scorer(self, state: GameState, cards: Mapping[str, CardDefinition]) -> _Scorer:
        if state.turn_number != self._turn:
            self._turn, self._taken = state.turn_number, 0
        self._taken += 1
        return _Scorer(state, index_for(cards), acting_player(state), self._taken)


class _Scorer:
    """The scores of one decision point; built per decision, never kept."""

    __slots__ = ("ctx", "foe", "index", "me", "other", "retreat_gate", "seat", "state", "taken")

    def __init__(self, state: GameState, index: CardIndex, seat: PlayerIndex, taken: int) -> None:
        self.state = state
        self.index = index
        self.ctx = Ctx(state, index, Rng(state.rng_seed, state.version), state.last_action_at)
        # Scoring only reads the state, so the board's modifiers are scanned once per
        # decision instead of once per damage estimate (a quarter of a bot game's time).
        self.ctx.held = sources(state, index)
        self.seat = seat
        self.other: PlayerIndex = 1 if seat == 0 else 0
        self.me: PlayerState = state.players[seat]
        self.foe: PlayerState = state.players[1 - seat]
        self.taken = taken
        self.retreat_gate: tuple[bool | None] | None = None  # worked out on first use

    # -- helpers -------------------------------------------------------------------

    def creature(self, card: CardInstance) -> CreatureCard:
        return self.index.creature(card.definition_id)

    def find_own(self, instance_id: str | None) -> CardInstance | None:
        me = self.me
        if me.active is not None and me.active.instance_id == instance_id:
            return me.active
        for card in me.bench:
            if card.instance_id == instance_id:
                return card
        return None

    def find_foe(self, instance_id: str) -> CardInstance | None:
        foe = self.foe
        if foe.active is not None and foe.active.instance_id == instance_id:
            return foe.active
        for card in foe.bench:
            if card.instance_id == instance_id:
                return card
        return None

    def in_hand(self, instance_id: str | None) -> CardInstance | None:
        for card in self.me.hand:
            if card.instance_id == instance_id:
                return card
        return None

    def damage_against(
        self, attacker: CardInstance, seat: PlayerIndex, base: int, defender: CardInstance
    ) -> int:
        """Printed `base` through the engine's damage pipeline (modifiers, weakness...)."""
        return combat.modified_damage(self.ctx, seat, attacker, defender, base)

    def remaining(self, card: CardInstance, owner: PlayerIndex) -> int:
        return query.remaining_hp(self.ctx, owner, card)

    def best_ready_damage(self, card: CardInstance) -> int:
        """The most printed damage `card` can pay for now (0 if none)."""
        definition = self.creature(card)
        units = query.units_of(self.index, card)
        best = 0
        for attack in definition.attacks:
            if attack.damage > best and query.can_pay(units, attack.cost):
                best = attack.damage
        return best

    def threat_to(self, card: CardInstance, owner: PlayerIndex) -> int:
        """The most damage the other side's active could deal `card` with one more energy."""
        foe_seat: PlayerIndex = 1 if owner == 0 else 0
        other = self.state.players[foe_seat]
        if other.active is None:
            return 0
        units = query.units_of(self.index, other.active)
        best = 0
        for attack in self.creature(other.active).attacks:
            if energy_deficit(units, attack.cost) <= 1:
                damage = self.damage_against(other.active, foe_seat, attack.damage, card)
                best = max(best, damage)
        return best

    def fight_value(self, card: CardInstance, owner: PlayerIndex) -> float:
        """How ready `card` is to be active: damage it can deal now, HP left, energy on it."""
        return (
            self.best_ready_damage(card)
            + self.remaining(card, owner) / 4
            + 5 * len(card.attached_energy)
        )

    # -- scoring -------------------------------------------------------------------

    def score(self, action: Action) -> float:
        kind = action.kind
        if kind is ActionKind.END_TURN or kind is ActionKind.FINISH_SETUP:
            return 0.0
        if kind is ActionKind.RESIGN:
            return -1000.0
        if kind is ActionKind.CHOOSE:
            return self.score_choice(action)
        if kind is ActionKind.ATTACK:
            return self.score_attack(action)
        if self.taken > MAX_ACTIONS_PER_TURN:
            return -1.0
        if kind is ActionKind.PLACE_ACTIVE:
            card = self.in_hand(action.card)
            return 0.0 if card is None else 50 + self.basic_value(card)
        if kind is ActionKind.PLACE_BENCH or kind is ActionKind.PLAY_CREATURE:
            card = self.in_hand(action.card)
            return 60 + (0.0 if card is None else self.basic_value(card) / 10)
        if kind is ActionKind.EVOLVE:
            target = self.find_own(action.target)
            bonus = 5 if target is not None and target is self.me.active else 0
            return 90.0 + bonus
        if kind is ActionKind.ATTACH_ENERGY:
            return self.score_attach(action)
        if kind is ActionKind.PLAY_TRAINER:
            return self.score_trainer(action)
        if kind is ActionKind.USE_ABILITY:
            return 45.0
        return self.score_retreat(action)

    def basic_value(self, card: CardInstance) -> float:
        """Prefer basics with HP and cheap damage, and those whose evolution is in hand."""
        definition = self.creature(card)
        cheapest = min((len(a.cost) for a in definition.attacks), default=4)
        evolves = any(
            (d := self.index.creatures.get(c.definition_id)) is not None
            and d.evolves_from == definition.name
            for c in self.me.hand
        )
        return definition.hp / 10 - 2 * cheapest + (5 if evolves else 0)

    def score_attack(self, action: Action) -> float:
        active, defender = self.me.active, self.foe.active
        if active is None or defender is None or action.index is None:
            return 1.0
        attack = self.creature(active).attacks[action.index]
        damage = self.damage_against(active, self.seat, attack.damage, defender)
        left = self.remaining(defender, self.other)
        if damage >= left > 0:
            return 19.0 if self.creature(defender).is_apex else 18.0
        if damage == 0:
            return 2.0 + (1.0 if attack.effect_text else 0.0)
        return 10.0 + min(damage, left) / 100

    def score_attach(self, action: Action) -> float:
        target = self.find_own(action.target)
        if target is None:
            return 1.0
        units = query.units_of(self.index, target)
        if action.card is not None:
            card = self.in_hand(action.card)
            if card is None:
                return 1.0
            new: tuple[Unit, ...] = self.index.units.get(card.definition_id, ())
        else:
            kind = self.me.zone_current
            new = (frozenset({kind}),) if kind is not None else ()
        after = [*units, *new]
        definition = self.creature(target)
        gain = 0.0
        for attack in definition.attacks:
            before_gap = energy_deficit(units, attack.cost)
            after_gap = energy_deficit(after, attack.cost)
            if after_gap < before_gap:
                value = 10 + attack.damage / 10 + (10 if after_gap == 0 else 0)
                gain = max(gain, value)
        evolutions = self.evolution_costs(definition)
        for cost in evolutions:
            if energy_deficit(after, cost) < energy_deficit(units, cost):
                gain = max(gain, 12.0)
        active = target is self.me.active
        if active and self.threat_to(target, self.seat) >= self.remaining(target, self.seat):
            gain /= 2  # energy on a creature about to be knocked out is wasted
        return 40.0 + gain + (5 if active else 0)

    def evolution_costs(self, definition: CreatureCard) -> list[tuple[EnergyType, ...]]:
        """Attack costs of the evolutions of `definition` held in hand."""
        costs: list[tuple[EnergyType, ...]] = []
        for card in self.me.hand:
            evolution = self.index.creatures.get(card.definition_id)
            if evolution is not None and evolution.evolves_from == definition.name:
                costs.extend(attack.cost for attack in evolution.attacks)
        return costs

    def score_trainer(self, action: Action) -> float:
        card = self.in_hand(action.card)
        if card is None:
            return 1.0
        trainer = self.index.trainers.get(card.definition_id)
        if trainer is None:
            return 1.0
        subtype = trainer.trainer_subtype
        if subtype is TrainerSubtype.SUPPORTER:
            score = 55.0 if len(self.me.hand) <= 5 else 25.0
        elif subtype is TrainerSubtype.TOOL:
            target = self.find_own(action.target)
            return 35.0 + (5 if target is not None and target is self.me.active else 0)
        elif subtype is TrainerSubtype.STADIUM:
            return 30.0
        else:
            score = 35.0
        switch = own_switch(trainer)
        if switch is None:
            return score
        value = self.score_own_switch(switch, trainer)
        if value < 0 or subtype is not TrainerSubtype.SUPPORTER:
            return value
        return max(score, value)  # a helpful swap keeps a supporter's draw score

    def score_own_switch(self, switch: Switch, trainer: TrainerCard) -> float:
        """A trainer that must swap the bot's active: worth what that retreat would be.

        The swap is judged like a retreat (`why_retreat`) against the benched creature
        the switch's chooser would bring in (the bot's own pick: the best `fight_value`;
        the opponent's: the worst), with no energy to pay but two points less per step
        that hands the opponent cards (Scramble Signal's draw): a free retreat comes
        before it, a retreat that discards energy after it. A swap that does not help
        scores below 0: played blind, such a card sends a charged Front to the bench and
        gives the opponent a card.
        """
        active = self.me.active
        if active is None or not self.me.bench:
            return -5.0
        pick = max if switch.chooser is Side.OWN else min
        incoming = pick(self.me.bench, key=lambda card: self.fight_value(card, self.seat))
        worth = self.swap_worth(active, incoming)
        if worth is None:
            return -5.0
        gifts = sum(
            1 for step in trainer.effects if isinstance(step, Draw) and step.player is Side.OPPONENT
        )
        return worth - 2 * gifts

    def score_retreat(self, action: Action) -> float:
        active = self.me.active
        target = self.find_own(action.target)
        if active is None or target is None:
            return -5.0
        worth = self.swap_worth(active, target)
        return -5.0 if worth is None else worth - 3 * len(action.choice)

    def swap_worth(self, active: CardInstance, incoming: CardInstance) -> float | None:
        """What bringing `incoming` in for `active` is worth before its price; None: no help.

        One judgement for a retreat and a switch trainer: the active must be doomed or
        useless (`why_retreat`, once a decision), and `incoming` able to fight and readier.
        """
        if self.retreat_gate is None:
            self.retreat_gate = (self.why_retreat(active),)
        (doomed,) = self.retreat_gate
        if doomed is None:
            return None
        if self.best_ready_damage(incoming) == 0 and not doomed:
            return None
        if self.fight_value(incoming, self.seat) <= self.fight_value(active, self.seat):
            return None
        return 30.0 + (15 if doomed and self.creature(active).is_apex else 0)

    def why_retreat(self, active: CardInstance) -> bool | None:
        """None: the active should stay; else whether it is doomed (False: merely useless).

        The same for every retreat of one decision, so it is worked out once.
        """
        seat = self.seat
        now = 0 if self.cannot_attack(active) else self.best_ready_damage(active)
        foe_active = self.foe.active
        if foe_active is not None and now:
            attacker = self.creature(active)
            best = max(
                (
                    self.damage_against(active, seat, a.damage, foe_active)
                    for a in attacker.attacks
                    if query.can_pay(query.units_of(self.index, active), a.cost)
                ),
                default=0,
            )
            if best >= self.remaining(foe_active, self.other):
                return None  # the active can knock out: stay and attack
        doomed = self.threat_to(active, seat) >= self.remaining(active, seat)
        if not doomed and now != 0:
            return None
        return doomed

    def cannot_attack(self, active: CardInstance) -> bool:
        """Whether a status or an effect keeps the active from attacking this turn."""
        return (
            query.can_attack_with(active) is not None
            or query.attack_blocked(self.ctx, self.seat, active) is not None
        )

    def score_choice(self, action: Action) -> float:
        choice = self.state.pending_choice
        if choice is None:
            return 0.0
        picked = action.choice
        kind = choice.kind
        size = len(picked)
        if kind == "promote":
            card = self.find_own(picked[0]) if picked else None
            return 0.0 if card is None else self.fight_value(card, self.seat)
        total = 0.0
        for option in picked:
            total += self.option_value(kind, option)
        if "discard" in kind:
            return total - 100 * size
        return total + 10 * size

    def option_value(self, kind: str, option: str) -> float:
        """How good picking `option` is for a choice of `kind` (higher is better)."""
        foe = self.find_foe(option)
        if foe is not None:
            # Aim at the creature closest to a knockout; the active is worth a little more.
            left = self.remaining(foe, self.other)
            return 50 - left / 10 + (2 if foe is self.foe.active else 0)
        own = self.find_own(option)
        if own is not None:
            if "heal" in kind or "damaged" in kind:
                return own.damage / 10
            if "switch" in kind or "promote" in kind:
                return self.fight_value(own, self.seat) / 10
            return len(own.attached_energy) + own.damage / 20
        definition = self.card_definition(option)
        if isinstance(definition, CreatureCard):
            return 3.0 if definition.stage is not Stage.BASIC else 2.0
        return 1.0

    def card_definition(self, instance_id: str) -> CardDefinition | None:
        """The definition of a card the chooser may see (hand, discard, revealed)."""
        for zone in (self.me.hand, self.me.discard, self.me.deck):
            for card in zone:
                if card.instance_id == instance_id:
                    return self.index.cards.get(card.definition_id)
        return None


def own_switch(trainer: TrainerCard) -> Switch | None:
    """The step of `trainer` that must swap its player's own active, if it has one.

    Judged from the card's steps, not its name: Scramble Signal, Driftwood Raft and
    Courier Fenn have one; an optional switch ("you may") or one on the opponent's
    side (a gust, a forced switch) does not count.
    """
    for step in trainer.effects:
        if isinstance(step, Switch) and step.side is Side.OWN and not step.optional:
            return step
    return None
