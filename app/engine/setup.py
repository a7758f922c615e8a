"""Starting a game: deal the decks, opening hands, mulligans, prizes and who goes first.

`new_game` does everything that needs no decision from a player, so the returned
state (version 0, an empty action log) is the replay's starting point. The
players then place their basics in the setup phase (``place_active``,
``place_bench``, ``finish_setup``), the first player's seat first; placements are
face down: `view_for` hides the opponent's until both have finished.

Decisions (rules data in brackets):
- the first player is a coin flip from the seed (``first_player`` overrides it);
- instance ids are ``p{seat}-m`` (main deck) or ``p{seat}-e`` (energy deck) and
  eight hex digits drawn from the seed's own stream (salted apart from the deal, so
  the deal is the same whatever the ids): an id says which seat owns the card and
  which deck it was dealt from (what the replay's deck lists are read back from,
  `app.services.replays`), and nothing about the card (issue 16: numbered in card
  order, a public deck list made every id a card name). Replaying from the initial
  state reproduces them, since they are in it. Zone energy made during the game is
  ``p{seat}-z{n:03d}``: its type is public when it is made;
- mulligans [hand.mulligan_mode]: ``redraw`` shuffles a basic-less hand back and
  draws again, counting a mulligan, and the opponent draws
  ``hand.mulligan_extra_draw`` cards per mulligan at once (always taken: it never
  hurts in these rules); ``guarantee_basic`` swaps a random card of a basic-less
  hand with a random basic of the deck and counts nothing;
- prizes [win.prize_count] are dealt from the top of the deck after the hands.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from app.core.cards import CardDefinition, EnergyCard, EnergyKind, EnergyType
from app.core.decks import DeckList
from app.core.enums import GameType
from app.core.game_state import (
    CardInstance,
    GameState,
    PlayerIndex,
    PlayerState,
    TurnPhase,
)
from app.core.rules import EnergySource, MulliganMode, RulesConfig, WinCondition
from app.engine.errors import EngineError
from app.engine.index import CardIndex, index_for
from app.engine.integrity import mark_checked
from app.engine.ops import new_instance
from app.engine.rng import Rng

Identity = UUID | str
"""Who plays a seat: a user's id, or an NPC's id (a string)."""

_MAX_REDRAWS = 50
ID_SALT = 0x1D5
"""Salts the random stream instance ids are drawn from, apart from the deal's."""


def _instances(
    seat: int, counts: Mapping[str, int], index: CardIndex, ids: _Ids, origin: str
) -> list[CardInstance]:
    cards: list[CardInstance] = []
    for definition_id in sorted(counts):
        if definition_id not in index.cards:
            raise EngineError(f"deck of seat {seat} holds unknown card {definition_id!r}")
        cards.extend(
            new_instance(ids.new(seat, origin), definition_id) for _ in range(counts[definition_id])
        )
    return cards


class _Ids:
    """Instance ids drawn from the game's own random stream (a salt of its seed), unique."""

    def __init__(self, seed: int) -> None:
        self._rng = Rng(seed, 0, ID_SALT)
        self._used: set[str] = set()

    def new(self, seat: int, origin: str) -> str:
        while True:
            instance_id = f"p{seat}-{origin}{self._rng.token()}"
            if instance_id not in self._used:
                self._used.add(instance_id)
                return instance_id


def _has_basic(hand: list[CardInstance], index: CardIndex) -> bool:
    return any(card.definition_id in index.basics for card in hand)


def _opening_hand(player: PlayerState, rules: RulesConfig, index: CardIndex, rng: Rng) -> None:
    size = rules.hand.opening_size
    if not any(card.definition_id in index.basics for card in player.deck):
        raise EngineError("a deck without a basic creature cannot start a game")
    for _ in range(_MAX_REDRAWS):
        player.hand = [player.deck.pop() for _ in range(min(size, len(player.deck)))]
        if _has_basic(player.hand, index):
            return
        if rules.hand.mulligan_mode is MulliganMode.GUARANTEE_BASIC:
            basics = [i for i, c in enumerate(player.deck) if c.definition_id in index.basics]
            deck_pos = basics[rng.below(len(basics))]
            hand_pos = rng.below(len(player.hand))
            player.hand[hand_pos], player.deck[deck_pos] = (
                player.deck[deck_pos],
                player.hand[hand_pos],
            )
            return
        player.mulligans += 1
        player.deck.extend(player.hand)
        player.hand = []
        rng.shuffle(player.deck)
    raise EngineError(f"no basic creature after {_MAX_REDRAWS} redraws")


def _zone_types(deck: DeckList, cards: Mapping[str, CardDefinition]) -> list[EnergyType]:
    if deck.zone_types:
        return list(deck.zone_types)
    types = {
        card.energy_type
        for card_id in deck.energy
        if isinstance(card := cards.get(card_id), EnergyCard)
        and card.energy_kind is EnergyKind.BASIC
    }
    if not types:
        raise EngineError("an energy-zone deck needs zone_types or basic energy naming them")
    return sorted(types)


def _player(
    seat: int,
    deck: DeckList,
    identity: Identity,
    rules: RulesConfig,
    index: CardIndex,
    rng: Rng,
    ids: _Ids,
) -> PlayerState:
    player = PlayerState(
        user_id=identity if isinstance(identity, UUID) else None,
        npc_id=identity if isinstance(identity, str) else None,
    )
    player.deck = _instances(seat, deck.main, index, ids, "m")
    rng.shuffle(player.deck)
    source = rules.energy.source
    if source is EnergySource.ENERGY_DECK:
        player.energy_deck = _instances(seat, deck.energy, index, ids, "e")
        rng.shuffle(player.energy_deck)
    elif source is EnergySource.ENERGY_ZONE:
        player.energy_zone = _zone_types(deck, index.cards)
    elif deck.energy:
        raise EngineError("these rules put energy in the main deck; the energy list must be empty")
    _opening_hand(player, rules, index, rng)
    return player


def new_game(
    *,
    game_id: UUID,
    game_type: GameType,
    rules: RulesConfig,
    decks: tuple[DeckList, DeckList],
    identities: tuple[Identity, Identity],
    seed: int,
    cards: Mapping[str, CardDefinition],
    at: datetime,
    first_player: PlayerIndex | None = None,
) -> GameState:
    """A new game in its setup phase, dealt from `seed` (same inputs, same game).

    The decks are dealt as given (adapt them to the rules first with
    `app.engine.decks.adapt_deck`); `decks[i]` and `identities[i]` sit in seat i.

    Raises:
        EngineError: an unknown card, a deck without a basic creature, or energy
            where these rules do not take it.
        pydantic.ValidationError: identities the state refuses (two NPCs, one user twice).
    """
    if seed < 0:
        raise EngineError("seed must be a non-negative integer")
    index = index_for(cards)
    rng = Rng(seed, 0)
    ids = _Ids(seed)
    players = (
        _player(0, decks[0], identities[0], rules, index, rng, ids),
        _player(1, decks[1], identities[1], rules, index, rng, ids),
    )
    for seat in (0, 1):
        extra = players[1 - seat].mulligans * rules.hand.mulligan_extra_draw
        player = players[seat]
        for _ in range(min(extra, len(player.deck))):
            player.hand.append(player.deck.pop())
        if rules.win.condition is WinCondition.PRIZES and rules.win.prize_count:
            count = min(rules.win.prize_count, len(player.deck))
            player.prizes = [player.deck.pop() for _ in range(count)]
    starter: PlayerIndex = first_player if first_player is not None else (0 if rng.coin() else 1)
    state = GameState(
        game_id=game_id,
        game_type=game_type,
        rules=rules,
        players=players,
        rng_seed=seed,
        first_player=starter,
        current_player=starter,
        phase=TurnPhase.SETUP,
        started_at=at,
        last_action_at=at,
    )
    mark_checked(state)
    return state
