"""A bot that searches: information-set Monte Carlo tree search over determinized games.

What was chosen, and why:

- **Single-observer information-set MCTS** (SO-ISMCTS, Cowling, Powley and
  Whitehouse 2012), not plain determinized MCTS. Determinized MCTS builds one
  tree per dealt game and votes; with the few hundred iterations a server can
  afford per move, each of those trees would be too shallow to mean anything.
  ISMCTS deals the hidden cards again at every iteration (`determinize`) and
  grows one tree over the seat's information set: statistics of every deal pool
  in the same nodes, and an action is judged by how it does across the deals
  (no strategy fusion at the root, where the decision is made).
- **Nodes are keyed by the action** (a hashable `Action`); an action legal only
  in some deals is chosen by UCB1 over the iterations in which it was available
  (the availability count of ISMCTS).
- **The heuristic bot is the prior and the rollout policy.** Only its
  `width` best-scored actions are children of a node (a card game offers dozens
  of nearly equivalent orders of attaching and benching; pruning them is what
  makes a small budget go deep), and rollouts play both seats with it.
- **Short rollouts and an evaluation.** A rollout plays on until the end of the
  opponent's next turn (`horizon` turns after the decision), then the position
  is scored: points (knockouts) first, then the creatures in play (remaining HP,
  energy, stages), then cards in hand. A whole game per rollout would cost ten
  times as much and say little more at this budget: the heuristic's mistakes
  late in a game drown the decision being judged.

The budget is a number of iterations (the same decisions on every machine, so
games are reproducible); `deadline_ms` with an injected `clock` (milliseconds,
for a server) may stop earlier. The engine stays pure: this module reads no
clock of its own and draws every random number from its own seeded generator.
Decisions with one candidate (one legal action, or the setup placements the
heuristic makes well) are not searched.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.core.cards import CardDefinition, Stage
from app.core.game_state import GameState, PlayerIndex, PlayerState, TurnPhase
from app.engine.actions import Action
from app.engine.apply import apply
from app.engine.bots.determinize import determinize
from app.engine.bots.heuristic_bot import HeuristicBot
from app.engine.checks import acting_player
from app.engine.errors import EngineError, IllegalActionError
from app.engine.index import CardIndex, index_for
from app.engine.legal import legal_actions

MAX_ROLLOUT_ACTIONS = 200
"""A rollout still running after this many actions is scored where it stands."""


@dataclass(frozen=True, slots=True)
class SearchBudget:
    """How much a `SearchBot` may think per decision.

    `iterations` bounds the work (deterministic); `width` is how many of the
    heuristic's best actions each node considers; `horizon` how many turn
    boundaries a rollout crosses before it is scored; `exploration` is UCB1's
    constant.
    """

    iterations: int
    width: int = 4
    horizon: int = 2
    exploration: float = 0.7


LEVEL_BUDGETS: Mapping[str, SearchBudget] = {
    "hard": SearchBudget(iterations=48),
    "master": SearchBudget(iterations=192),
}
"""The searching levels of `app.engine.bots.base.BotName` and their budgets."""


@dataclass(slots=True)
class _Node:
    seat: PlayerIndex  # who chose the action leading here
    visits: int = 0
    reward: float = 0.0  # summed over visits, for `seat`
    available: int = 0
    children: dict[Action, _Node] = field(default_factory=dict)


class SearchBot:
    """SO-ISMCTS with the heuristic bot as prior and rollout policy (see the module docstring)."""

    __slots__ = ("_budget", "_clock", "_deadline_ms", "_heuristic", "_rng")

    def __init__(
        self,
        seed: int,
        budget: SearchBudget,
        *,
        clock: Callable[[], float] | None = None,
        deadline_ms: float | None = None,
    ) -> None:
        """`clock` returns milliseconds; with `deadline_ms` it may end a search early."""
        self._rng = random.Random(seed)  # noqa: S311 - game choices, not secrets
        self._heuristic = HeuristicBot(self._rng.getrandbits(32))
        self._budget = budget
        self._clock = clock
        self._deadline_ms = deadline_ms

    def choose(
        self, state: GameState, actions: Sequence[Action], cards: Mapping[str, CardDefinition]
    ) -> Action:
        """The most visited of the root's candidates after the budget's iterations."""
        if len(actions) == 1:
            return actions[0]
        if state.phase is TurnPhase.SETUP:
            return self._heuristic.choose(state, actions, cards)
        seat = acting_player(state)
        rng = self._rng
        first = determinize(state, seat, rng)
        ranked = self._heuristic.ranked(first, actions, cards)
        candidates = [action for _, action in ranked[: self._budget.width]]
        if len(candidates) == 1:
            return candidates[0]
        root = _Node(seat=1 - seat)  # type: ignore[arg-type]
        index = index_for(cards)
        start = self._clock() if self._clock is not None else 0.0
        for iteration in range(self._budget.iterations):
            game = first if iteration == 0 else determinize(state, seat, rng)
            self._iterate(root, game, candidates, cards, index)
            if (
                self._clock is not None
                and self._deadline_ms is not None
                and self._clock() - start >= self._deadline_ms
            ):
                break
        order = {action: position for position, action in enumerate(candidates)}
        return max(
            candidates,
            key=lambda a: (root.children[a].visits if a in root.children else -1, -order[a]),
        )

    def _iterate(
        self,
        root: _Node,
        game: GameState,
        candidates: list[Action],
        cards: Mapping[str, CardDefinition],
        index: CardIndex,
    ) -> None:
        budget = self._budget
        heuristic = HeuristicBot(self._rng.getrandbits(32))  # its per-turn cap starts afresh
        stop_turn = game.turn_number + budget.horizon
        path = [root]
        node = root
        options: list[Action] | None = candidates
        try:
            while game.phase is not TurnPhase.ENDED and game.turn_number < stop_turn:
                if options is None:
                    legal = legal_actions(game, cards)
                    options = [a for _, a in heuristic.ranked(game, legal, cards)]
                    options = options[: budget.width]
                mover = acting_player(game)
                untried = [a for a in options if a not in node.children]
                for action in options:
                    child = node.children.get(action)
                    if child is not None:
                        child.available += 1
                if untried:
                    action = untried[0]
                    child = _Node(seat=mover, available=1)
                    node.children[action] = child
                    apply(game, action, cards, at=game.last_action_at)
                    path.append(child)
                    break
                action = self._select(node, options)
                node = node.children[action]
                apply(game, action, cards, at=game.last_action_at)
                path.append(node)
                options = None
            value = _rollout(game, heuristic, stop_turn, cards, index)
        except (EngineError, IllegalActionError):
            return  # a deal the engine cannot continue: this iteration counts for nothing
        for visited in path[1:]:
            visited.visits += 1
            visited.reward += value if visited.seat == 0 else 1.0 - value

    def _select(self, node: _Node, options: list[Action]) -> Action:
        constant = self._budget.exploration
        best, top = options[0], -math.inf
        for action in options:
            child = node.children[action]
            mean = child.reward / child.visits if child.visits else 0.5
            score = mean + constant * math.sqrt(
                math.log(max(child.available, 1)) / (child.visits + 1)
            )
            if score > top:
                best, top = action, score
        return best


def _rollout(
    game: GameState,
    bot: HeuristicBot,
    stop_turn: int,
    cards: Mapping[str, CardDefinition],
    index: CardIndex,
) -> float:
    """Play on with `bot` on both sides until `stop_turn`; seat 0's value of where it ends."""
    for _ in range(MAX_ROLLOUT_ACTIONS):
        if game.phase is TurnPhase.ENDED or game.turn_number >= stop_turn:
            break
        actions = legal_actions(game, cards)
        apply(game, bot.choose(game, actions, cards), cards, at=game.last_action_at)
    return evaluate(game, index)


def evaluate(state: GameState, index: CardIndex) -> float:
    """How good `state` is for seat 0, in [0, 1] (1: seat 0 has won)."""
    if state.phase is TurnPhase.ENDED:
        if state.winner is None:
            return 0.5
        return 1.0 if state.winner == 0 else 0.0
    rules = state.rules.win
    target = rules.points_to_win or rules.prize_count or 6
    mine, theirs = (_worth(state, seat, index, target) for seat in (0, 1))
    return 1.0 / (1.0 + math.exp(0.7 * (theirs - mine)))


def _worth(state: GameState, seat: int, index: CardIndex, target: int) -> float:
    player = state.players[seat]
    taken = player.points if state.rules.win.points_to_win else target - len(player.prizes)
    worth = 12.0 * taken / target
    worth += _board(player, index)
    worth += 0.05 * min(len(player.hand), 8)
    return worth


def _board(player: PlayerState, index: CardIndex) -> float:
    total = 0.0
    creatures = [player.active] if player.active is not None else []
    creatures.extend(player.bench)
    for card in creatures:
        definition = index.creatures.get(card.definition_id)
        if definition is None:
            continue
        left = max(definition.hp - card.damage, 0) / max(definition.hp, 1)
        total += 0.15 + 0.35 * left + 0.15 * min(len(card.attached_energy), 4)
        if definition.stage is not Stage.BASIC:
            total += 0.2 if definition.stage is Stage.STAGE_1 else 0.35
        if definition.is_apex:
            total += 0.2
    return total
