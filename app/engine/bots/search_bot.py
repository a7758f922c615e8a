"""A bot that searches: information-set Monte Carlo tree search over determinized games.

What was chosen, and why:

- **Single-observer information-set MCTS** (SO-ISMCTS, Cowling, Powley and
  Whitehouse 2012) rather than determinized MCTS (one tree per deal, then a
  vote): at the budget a server affords per move (a few dozen rollouts), one tree
  per deal would hold a handful of visits each. Here every iteration deals the
  hidden cards again (`determinize`, from the bot's own generator: the search
  never sees the real hidden cards or the game's seed) and all deals share one
  tree over the seat's information set, keyed by action; an action legal in
  only some deals is chosen by UCB1 over the deals it was available in.
- **Every candidate on every deal.** The root's candidates (the heuristic bot's
  `width` best-scored actions) are each played on every deal, with the same
  rollout generator: the decision compares candidates on the same cards and the
  same coin flips (common random numbers), which is what lets a few deals tell
  two close actions apart. The heuristic's own pick is kept unless another
  candidate beats it by `margin`.
- **Progressive widening below the root.** A node offers the heuristic's best
  action first and one more candidate per few visits (up to `width`): with few
  visits, forcing the second- and third-best follow-ups into a young node's value
  judged candidates by moves nobody would play.
- **Whole-game rollouts by the heuristic bot.** `horizon` may stop rollouts after
  a number of turns and score the position (`evaluate`: points, then the board,
  then the hand), but measured against the heuristic bot that cut-off scoring won
  only about half the games (its weights, not the search, decided), while playing
  every rollout to the end, which scores exactly what the game scores, won most.

The budget is a number of iterations (deals; the same decisions on every
machine, so simulated games are reproducible); `deadline_ms` with an injected
`clock` (milliseconds, for a server) may stop earlier. The engine stays pure:
this module reads no clock of its own and draws every random number from its
own seeded generator. Decisions with one candidate (one legal action, or the
setup placements the heuristic makes well) are not searched.
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
from app.engine.bots.determinize import clone, determinize
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

    `iterations` is the number of deals (each plays every root candidate once:
    the work is about ``iterations * width`` rollouts, deterministic); `width` is
    how many of the heuristic's best actions a node considers; `horizon` how many
    turn boundaries a rollout crosses before `evaluate` scores it (None: to the
    end of the game); `exploration` is UCB1's constant; `margin` how much better
    than the heuristic's pick another candidate must do to be played.
    """

    iterations: int
    width: int = 3
    horizon: int | None = None
    exploration: float = 0.7
    margin: float = 0.02


LEVEL_BUDGETS: Mapping[str, SearchBudget] = {
    "hard": SearchBudget(iterations=6),
    "master": SearchBudget(iterations=16, width=4),
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
            deal = first if iteration == 0 else determinize(state, seat, rng)
            rollout_seed = rng.getrandbits(32)
            for action in candidates:
                self._iterate(root, clone(deal), action, rollout_seed, cards, index)
            if (
                self._clock is not None
                and self._deadline_ms is not None
                and self._clock() - start >= self._deadline_ms
            ):
                break
        return _best(root, candidates, self._budget.margin)

    def _iterate(
        self,
        root: _Node,
        game: GameState,
        action: Action,
        rollout_seed: int,
        cards: Mapping[str, CardDefinition],
        index: CardIndex,
    ) -> None:
        """One candidate on one deal: play it, go down the tree below it, roll out, back up."""
        budget = self._budget
        heuristic = HeuristicBot(rollout_seed)  # the same for every candidate of a deal
        stop_turn = game.turn_number + budget.horizon if budget.horizon is not None else 10**9
        node = root.children.get(action)
        if node is None:
            node = root.children[action] = _Node(seat=acting_player(game))
        node.available += 1
        path = [node]
        try:
            apply(game, action, cards, at=game.last_action_at)
            while game.phase is not TurnPhase.ENDED and game.turn_number < stop_turn:
                legal = legal_actions(game, cards)
                wide = min(budget.width, 1 + math.isqrt(node.visits) // 2)
                options = [a for _, a in heuristic.ranked(game, legal, cards)][:wide]
                mover = acting_player(game)
                for option in options:
                    child = node.children.get(option)
                    if child is not None:
                        child.available += 1
                untried = [a for a in options if a not in node.children]
                if untried:
                    child = node.children[untried[0]] = _Node(seat=mover, available=1)
                    apply(game, untried[0], cards, at=game.last_action_at)
                    path.append(child)
                    break
                picked = self._select(node, options)
                node = node.children[picked]
                apply(game, picked, cards, at=game.last_action_at)
                path.append(node)
            value = _rollout(game, heuristic, stop_turn, cards, index)
        except (EngineError, IllegalActionError):
            return  # a deal the engine cannot continue: this iteration counts for nothing
        for visited in path:
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


def _best(root: _Node, candidates: list[Action], margin: float) -> Action:
    """The candidate of best mean value: the heuristic's first unless beaten by `margin`."""

    def mean(action: Action) -> float:
        node = root.children.get(action)
        return node.reward / node.visits if node is not None and node.visits else -1.0

    best = max(candidates, key=mean)  # the first of equals: the heuristic's order
    return best if mean(best) > mean(candidates[0]) + margin else candidates[0]


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
