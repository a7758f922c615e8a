"""What must hold after every action of every game, whatever the cards: the fuzz test's oracle.

`GameChecker` follows one game from its initial state. After each applied action
`check` verifies, and raises `AssertionError` naming the game, version and
problem otherwise:

- every card is in exactly one place: no instance id twice, none of the dealt
  cards lost, and the only new cards are energy-zone energy (``p{seat}-z...``,
  as many as the zone made);
- damage and energy are consistent: damage is a non-negative multiple of 10 and
  below the creature's HP (once no choice is pending: knockouts are resolved);
  only cards in play carry damage, energy, tools, lower stages or statuses;
  attached energy is energy, tools are tools, lower stages are creatures; the
  per-turn counters stay within the rules;
- the JSON round trip through `GameState` is exact;
- replay reproduces the state: a shadow copy of the initial state replays each
  logged action as it is added (so after action k the shadow is
  ``replay(initial, log[:k])``) and must equal the state; `finish` also runs
  `app.engine.replay` from the initial state once;

The round trip (3-4 ms on a mid-game state) and the shadow replay cost ten times
the action itself, so with ``every_action=False`` they run at every turn start
and at the end of the game (replay: at the end) while the structural checks
still run after every action; the fuzz test turns them on after every action
in a fixed share of its games.
- the game ends by a win condition or the turn limit, and the recorded reason
  agrees with the board (`finish`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from app.core.cards import CardDefinition, TrainerSubtype
from app.core.enums import EndReason
from app.core.game_state import CardInstance, GameState, PlayerIndex, PlayerState, TurnPhase
from app.core.rules import WinCondition
from app.engine import apply, query, replay
from app.engine.actions import Action
from app.engine.context import Ctx
from app.engine.index import CardIndex, index_for
from app.engine.rng import Rng

GAME_ENDINGS = frozenset(
    {
        EndReason.POINTS,
        EndReason.PRIZES,
        EndReason.NO_CREATURES,
        EndReason.DECK_OUT,
        EndReason.TURN_LIMIT,
    }
)
"""How a bot game may end: a win condition or the turn limit (bots never resign)."""


def _zones(player: PlayerState) -> Iterator[tuple[str, list[CardInstance]]]:
    yield "deck", player.deck
    yield "hand", player.hand
    yield "discard", player.discard
    yield "prizes", player.prizes
    yield "energy_deck", player.energy_deck


def all_instance_ids(state: GameState) -> list[str]:
    """Every card instance id in the game, attached and lower stages included."""
    ids: list[str] = []
    if state.stadium is not None:
        ids.append(state.stadium.card.instance_id)
    for player in state.players:
        for card in player.cards():
            if card.attached_energy or card.attached_tool or card.evolved_from:
                ids.extend(card.instance_ids())
            else:
                ids.append(card.instance_id)
    return ids


class GameChecker:
    """Checks one game action by action; see the module docstring."""

    def __init__(
        self, initial: GameState, cards: Mapping[str, CardDefinition], *, every_action: bool
    ) -> None:
        self.initial = initial.model_copy(deep=True)
        self.shadow = initial.model_copy(deep=True) if every_action else None
        self.cards = cards
        self.index: CardIndex = index_for(cards)
        self.dealt = frozenset(all_instance_ids(initial))
        self.checked = 0
        self.round_trips = 0
        self.turn = -1
        self.check(initial)

    def ctx(self, state: GameState) -> Ctx:
        return Ctx(state, self.index, Rng(state.rng_seed, state.version), state.last_action_at)

    def fail(self, state: GameState, problem: str) -> AssertionError:
        return AssertionError(f"game {state.game_id} version {state.version}: {problem}")

    def check(self, state: GameState) -> None:
        """The invariants of the module docstring that apply after this action."""
        self.checked += 1
        self.check_places(state)
        self.check_cards(state)
        if self.shadow is not None:
            self.round_trip(state)
            if state.action_log:
                record = state.action_log[-1]
                action = Action.from_params(record.kind, dict(record.params), record.player)
                apply(self.shadow, action, self.cards, at=record.at)
                if self.shadow != state:
                    raise self.fail(state, f"replaying {action} gives a different state")
        elif state.turn_number != self.turn:
            self.round_trip(state)
        self.turn = state.turn_number

    def round_trip(self, state: GameState) -> None:
        """The state survives JSON and back exactly (what every cache write relies on)."""
        self.round_trips += 1
        if GameState.model_validate_json(state.model_dump_json()) != state:
            raise self.fail(state, "the JSON round trip through GameState changed the state")

    def check_places(self, state: GameState) -> None:
        ids = all_instance_ids(state)
        present = set(ids)
        if len(present) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise self.fail(state, f"cards in two places: {twice}")
        lost = self.dealt - present
        if lost:
            raise self.fail(state, f"cards vanished: {sorted(lost)}")
        made = present - self.dealt
        zone_made = sum(p.zone_energy_made for p in state.players)
        if any("-z" not in i for i in made) or len(made) > zone_made:
            raise self.fail(state, f"cards appeared from nowhere: {sorted(made)}")

    def check_cards(self, state: GameState) -> None:
        index = self.index
        energy = state.rules.energy
        for seat in (0, 1):
            player = state.players[seat]
            for zone, cards in _zones(player):
                for card in cards:
                    if (
                        card.damage
                        or card.attached_energy
                        or card.attached_tool
                        or card.evolved_from
                        or card.status_conditions
                    ):
                        raise self.fail(state, f"{card.instance_id} in {zone} carries play state")
            # The counter is of the seat's latest own turn; the second player's first (turn 2)
            # may allow more [first_turn.second_player_extra_energy].
            latest = state.turn_number - (0 if state.current_player == seat else 1)
            allowed = energy.attachments_per_turn + (
                state.rules.first_turn.second_player_extra_energy if latest == 2 else 0
            )
            if player.energy_attached_this_turn > allowed:
                raise self.fail(state, f"seat {seat} attached more energy than allowed")
            if player.supporters_played_this_turn > state.rules.turn.supporters_per_turn:
                raise self.fail(state, f"seat {seat} played too many supporters")
            if len(player.bench) > state.rules.board_bench_size:
                raise self.fail(state, f"seat {seat} bench over the limit")
            in_play = ([player.active] if player.active else []) + player.bench
            for creature in in_play:
                self.check_creature(state, seat, creature)
            if (
                state.phase not in (TurnPhase.SETUP, TurnPhase.ENDED)
                and player.active is None
                and player.bench
                and state.pending_choice is None
            ):
                raise self.fail(state, f"seat {seat} has a bench but no active creature")
        if state.stadium is not None:
            trainer = index.trainers.get(state.stadium.card.definition_id)
            if trainer is None or trainer.trainer_subtype is not TrainerSubtype.STADIUM:
                raise self.fail(state, "the stadium in play is not a stadium card")

    def check_creature(self, state: GameState, seat: PlayerIndex, creature: CardInstance) -> None:
        index = self.index
        definition = index.creatures.get(creature.definition_id)
        if definition is None:
            raise self.fail(state, f"{creature.instance_id} in play is not a creature")
        if creature.damage < 0 or creature.damage % 10:
            raise self.fail(state, f"{creature.instance_id} has damage {creature.damage}")
        settled = state.pending_choice is None and state.phase is not TurnPhase.ENDED
        if settled and query.remaining_hp(self.ctx(state), seat, creature) <= 0:
            raise self.fail(state, f"{creature.instance_id} survives {creature.damage} damage")
        for energy in creature.attached_energy:
            if energy.definition_id not in index.energies:
                raise self.fail(state, f"{energy.instance_id} attached as energy is not one")
        tool = creature.attached_tool
        if tool is not None:
            trainer = index.trainers.get(tool.definition_id)
            if trainer is None or trainer.trainer_subtype is not TrainerSubtype.TOOL:
                raise self.fail(state, f"{tool.instance_id} attached as a tool is not one")
        for lower in creature.evolved_from:
            if lower.definition_id not in index.creatures:
                raise self.fail(state, f"{lower.instance_id} under an evolution is not a creature")
        if creature.turn_played is None:
            raise self.fail(state, f"{creature.instance_id} in play has no turn_played")

    def finish(self, state: GameState) -> None:
        """The end-of-game checks: a legal ending, and `replay` from the initial state."""
        if state.phase is not TurnPhase.ENDED:
            raise self.fail(state, f"the game has not ended (phase {state.phase})")
        reason = state.end_reason
        if reason not in GAME_ENDINGS:
            raise self.fail(state, f"ended by {reason}, not a win condition or the turn limit")
        self.check_ending(state, reason)
        self.round_trip(state)
        if replay(self.initial, state.action_log, self.cards) != state:
            raise self.fail(state, "replay(initial, action_log) differs from the final state")

    def check_ending(self, state: GameState, reason: EndReason) -> None:
        rules = state.rules
        winner = state.winner
        if reason is EndReason.TURN_LIMIT:
            if rules.win.turn_limit is None or state.turn_number < rules.win.turn_limit:
                raise self.fail(state, f"turn limit ending at turn {state.turn_number}")
            return
        if winner is None:
            return  # both sides met a condition at once: a draw
        loser = state.players[1 - winner]
        if reason is EndReason.POINTS:
            target = rules.win.points_to_win or 0
            if rules.win.condition is not WinCondition.POINTS or state.players[winner].points < (
                target
            ):
                raise self.fail(state, "won on points without enough points")
        elif reason is EndReason.PRIZES:
            if state.players[winner].prizes:
                raise self.fail(state, "won on prizes with prizes left")
        elif reason is EndReason.NO_CREATURES:
            if loser.active is not None or loser.bench:
                raise self.fail(state, "won by no creatures while the loser has some")
        elif loser.deck or not rules.win.deck_out_loses:
            raise self.fail(state, "won by deck-out while the loser could draw")
