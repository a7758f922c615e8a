"""What one seat may see of a game, as JSON.

Hidden from the viewer: the opponent's hand (a count), both decks and energy
decks (counts: even the viewer's own deck order is secret), both prize piles
(counts), the opponent's setup placements until both players finished setup,
the options of a choice the opponent is making (the other seat sees only who
chooses and the kind of choice), every choice's continuation (engine bookkeeping
that may hold values bound from hidden zones), and the action log (its
parameters can name hidden cards). Everything on the board, both discard piles,
the stadium and lasting effects are public.

The chooser of a pending choice gets ``cards``: the definition id of every option
and every ``revealed`` card that is a card (the top of a deck it looks at, the
deck it searches, an opponent's hand shown to it), for exactly as long as the
choice is pending: what the rules let it see while it chooses, and nothing more.
"""

from __future__ import annotations

from typing import Any

from app.core.game_state import GameState, PlayerIndex, TurnPhase

_HIDDEN_ZONES = ("deck", "prizes", "energy_deck")


def view_for(state: GameState, seat: PlayerIndex | None) -> dict[str, Any]:
    """The game as `seat` may see it (JSON-ready); never mutates the state.

    ``seat=None`` is a spectator's view: both hands are counts and every pending
    choice shows only who chooses and its kind.
    """
    # Hidden zones are left out of the dump rather than dumped and dropped: they are most
    # of a state's cards, and a server builds a view per seat after every action.
    hidden = {
        index: {*_HIDDEN_ZONES, "hand"} if index != seat else set(_HIDDEN_ZONES)
        for index in range(len(state.players))
    }
    data = state.model_dump(
        mode="json", exclude={"action_log": True, "rng_seed": True, "players": hidden}
    )
    in_setup = state.phase is TurnPhase.SETUP
    for index, player in enumerate(data["players"]):
        source = state.players[index]
        for zone in _HIDDEN_ZONES:
            player[f"{zone}_count"] = len(getattr(source, zone))
        if index != seat:
            player["hand_count"] = len(source.hand)
            if in_setup:
                player["active"] = None if player["active"] is None else {"hidden": True}
                player["bench"] = [{"hidden": True} for _ in player["bench"]]
    choice = data.get("pending_choice")
    if choice is not None:
        choice.pop("continuation")
        if choice["player"] != seat:
            data["pending_choice"] = {"player": choice["player"], "kind": choice["kind"]}
        else:
            choice["cards"] = _identities(state, [*choice["options"], *choice["revealed"]])
    data["viewer"] = seat
    return data


def _identities(state: GameState, ids: list[str]) -> dict[str, str]:
    """The definition id of each of `ids` that names a card (options may be types)."""
    wanted = set(ids)
    found: dict[str, str] = {}
    for player in state.players:
        for card in player.cards():
            if card.instance_id in wanted:
                found[card.instance_id] = card.definition_id
            held = [*card.attached_energy, *card.evolved_from]
            if card.attached_tool is not None:
                held.append(card.attached_tool)
            for attached in held:
                if attached.instance_id in wanted:
                    found[attached.instance_id] = attached.definition_id
    return {instance_id: found[instance_id] for instance_id in ids if instance_id in found}
