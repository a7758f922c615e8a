"""The interface around the rules: views per seat, illegal actions, actions as JSON, events."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.game_state import GameState, LastingEffect
from app.engine import (
    Action,
    ActionKind,
    IllegalActionError,
    apply,
    is_turn_boundary,
    legal_actions,
    view_for,
)
from app.engine.events import Event
from tests.engine.builders import (
    EMBER_QUARRY,
    GRASS,
    MOSSNIP,
    NOW,
    ZAPKIT,
    act,
    catalog,
    make_state,
)


def _state() -> GameState:
    return make_state(
        "classic",
        p0={
            "active": (MOSSNIP, {"energy": [GRASS], "damage": 20}),
            "bench": [ZAPKIT, ZAPKIT],
            "hand": [GRASS, EMBER_QUARRY],
            "deck": [MOSSNIP] * 4,
            "prizes": [ZAPKIT] * 2,
        },
        p1={
            "active": (MOSSNIP, {"damage": 50}),
            "bench": [ZAPKIT, MOSSNIP],
            "hand": [ZAPKIT, GRASS, GRASS],
            "deck": [MOSSNIP] * 5,
            "prizes": [ZAPKIT] * 3,
        },
    )


def test_view_hides_hands_decks_and_prizes() -> None:
    state = _state()
    view = view_for(state, 0)
    me, them = view["players"]
    assert [c["instance_id"] for c in me["hand"]] == [c.instance_id for c in state.players[0].hand]
    assert "hand" not in them
    assert them["hand_count"] == 3
    for player, real in zip((me, them), state.players, strict=True):
        assert "deck" not in player
        assert "prizes" not in player
        assert player["deck_count"] == len(real.deck)
        assert player["prizes_count"] == len(real.prizes)
    assert them["active"]["damage"] == 50
    assert "action_log" not in view
    assert "rng_seed" not in view
    text = str(view)
    for card in state.players[1].hand + state.players[1].deck + state.players[0].deck:
        assert card.instance_id not in text


def test_a_pending_choice_shows_its_options_only_to_the_chooser() -> None:
    state = _state()
    act(state, ActionKind.ATTACK, index=0)
    assert state.pending_choice is not None
    mine = view_for(state, 1)["pending_choice"]
    assert mine["options"] == ["p1-002", "p1-003"]
    assert "continuation" not in mine
    assert view_for(state, 0)["pending_choice"] == {"player": 1, "kind": "promote"}


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        (Action(ActionKind.PLAY_CREATURE, card="p0-099"), "not in your hand"),
        (Action(ActionKind.PLAY_CREATURE, card="p0-005"), "not a basic creature"),
        (
            Action(ActionKind.ATTACH_ENERGY, card="p0-005", target="p1-001"),
            "not one of your creatures",
        ),
        (Action(ActionKind.EVOLVE, card="p0-005", target="p0-001"), "not an evolution card"),
        (Action(ActionKind.ATTACK, index=1), "not enough energy"),
        (Action(ActionKind.RETREAT, target="p1-002"), "not on your bench"),
        (Action(ActionKind.CHOOSE, choice=("x",)), "no choice is pending"),
        (Action(ActionKind.PLACE_ACTIVE, card="p0-005"), "not allowed now"),
        (Action(ActionKind.END_TURN, player=1), "player 0's turn"),
        (Action(ActionKind.RESIGN), "resigning player's seat"),
        (Action(ActionKind.USE_ABILITY, card="p0-001", index=0), "no ability 0"),
    ],
)
def test_illegal_actions_say_why_and_change_nothing(action: Action, reason: str) -> None:
    state = _state()
    before = state.model_dump_json()
    with pytest.raises(IllegalActionError, match=reason) as caught:
        act(
            state,
            action.kind,
            card=action.card,
            target=action.target,
            index=action.index,
            choice=action.choice,
            player=action.player,
        )
    assert caught.value.reason
    assert state.model_dump_json() == before


def test_resign_ends_the_game_for_either_player() -> None:
    state = _state()
    events = act(state, ActionKind.RESIGN, player=1)
    assert (state.winner, state.end_reason) == (0, "resignation")
    assert is_turn_boundary(events)
    assert state.action_log[-1].player == 1


def test_actions_round_trip_through_their_log_params() -> None:
    action = Action(ActionKind.RETREAT, target="p0-002", choice=("p0-003",), player=0)
    record_params = action.to_params()
    assert record_params == {"target": "p0-002", "choice": ["p0-003"]}
    assert Action.from_params("retreat", record_params, 0) == action
    assert str(Action(ActionKind.ATTACK, index=1)) == "attack index=1"
    bad: list[tuple[str, dict[str, Any], str]] = [
        ("dance", {}, "unknown action kind"),
        ("attack", {"index": "1"}, "index must be an integer"),
        ("attack", {"index": True}, "index must be an integer"),
        ("attack", {"oops": 1}, "unknown action field"),
        ("evolve", {"card": 3}, "card must be"),
        ("evolve", {"target": 3}, "target must be"),
        ("choose", {"choice": "abc"}, "choice must be a list"),
    ]
    for kind, params, message in bad:
        with pytest.raises(IllegalActionError, match=message):
            Action.from_params(kind, params)


def test_turn_boundaries_are_marked_by_events() -> None:
    assert is_turn_boundary([Event("drew"), Event("turn_ended")])
    assert not is_turn_boundary([Event("drew")])
    state = _state()
    assert not is_turn_boundary(
        act(state, ActionKind.ATTACH_ENERGY, card="p0-005", target="p0-001")
    )
    assert is_turn_boundary(act(state, ActionKind.END_TURN))


def test_the_json_round_trip_is_exact_with_every_v2_field() -> None:
    state = _state()
    act(state, ActionKind.PLAY_TRAINER, card="p0-006")
    state.lasting_effects.append(
        LastingEffect(
            modifier={"kind": "damage_taken", "amount": -10, "scope": {"kind": "holder"}},
            player=1,
            target="p1-001",
            source="p0-001",
            created_turn=5,
            expires_after_turn=6,
            until_leaves_active=True,
        )
    )
    act(state, ActionKind.ATTACK, index=0)
    assert state.pending_choice is not None
    assert state.stadium is not None
    copy = GameState.model_validate_json(state.model_dump_json())
    assert copy == state
    assert copy.model_dump_json() == state.model_dump_json()


def test_offered_actions_are_checked_again_once_the_state_moves_on() -> None:
    """`apply` trusts only what the last `legal_actions` offered for this state and version."""
    state = _state()
    offered = legal_actions(state, catalog())
    attach = next(a for a in offered if a.kind is ActionKind.ATTACH_ENERGY)
    apply(state, attach, catalog(), at=NOW)
    with pytest.raises(IllegalActionError, match="energy"):
        apply(state, attach, catalog(), at=NOW)  # same object, a newer version: checked
    other = _state()
    offered = legal_actions(other, catalog())
    attach = next(a for a in offered if a.kind is ActionKind.ATTACH_ENERGY)
    with pytest.raises(IllegalActionError):
        apply(state, attach, catalog(), at=NOW)  # offered for another state: checked
    with pytest.raises(IllegalActionError, match="no attack 7"):
        apply(other, Action(ActionKind.ATTACK, index=7), catalog(), at=NOW)  # not offered
