"""What one seat may see of a game, as JSON.

Hidden from the viewer: the opponent's hand (a count), both decks and energy
decks (counts: even the viewer's own deck order is secret), both prize piles
(counts), the opponent's setup placements until both players finished setup,
the options of a choice the opponent is making, every choice's continuation
(engine bookkeeping that may hold values bound from hidden zones), and the
action log (its parameters can name hidden cards). Everything on the board, both discard piles,
the stadium and lasting effects are public.
"""

from __future__ import annotations

from typing import Any

from app.core.game_state import GameState, PlayerIndex, TurnPhase

_HIDDEN_ZONES = ("deck", "prizes", "energy_deck")


def view_for(state: GameState, seat: PlayerIndex) -> dict[str, Any]:
    """The game as `seat` may see it (JSON-ready); never mutates the state."""
    data = state.model_dump(mode="json", exclude={"action_log", "rng_seed"})
    in_setup = state.phase is TurnPhase.SETUP
    for index, player in enumerate(data["players"]):
        for zone in _HIDDEN_ZONES:
            player[f"{zone}_count"] = len(player.pop(zone))
        if index != seat:
            player["hand_count"] = len(player.pop("hand"))
            if in_setup:
                player["active"] = None if player["active"] is None else {"hidden": True}
                player["bench"] = [{"hidden": True} for _ in player["bench"]]
    choice = data.get("pending_choice")
    if choice is not None:
        choice.pop("continuation")
        if choice["player"] != seat:
            data["pending_choice"] = {"player": choice["player"], "kind": choice["kind"]}
    data["viewer"] = seat
    return data
