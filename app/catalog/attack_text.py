"""The rules text an attack's effects print as: one sentence template per effect.

The old generator wrote every attack's ``effect_text`` from the same numbers as its
``effects``, so text and behaviour could not drift apart. With the card JSON as the
source, `expected_text` plays that role: it renders the effects through the
catalog's sentence templates, and the ``rules_text`` design check compares the
result with the printed text (and the printed ``+`` / ``x`` of ``damage_modifier``
with the steps that make the damage vary). An effect shape with no template
renders as None: the check then asks for a template here, so a new kind of
attack effect cannot ship with free text nobody compared with what it does.

Pure: reads the attack's JSON form (defaults left out), never the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.core.cards import Attack, DamageModifier
from app.core.effects import walk_steps

Step = Mapping[str, Any]

_OPP_FRONT = {"select": "all", "side": "opponent", "zone": "active"}
_SOURCE = {"select": "source"}
_BENCH_NOTE = "(benched creatures ignore weakness and resistance)"
_PER = {
    "energy_beyond_cost": "for each Energy on this creature beyond this attack's cost",
    "damage_counters_on_source": "for each damage counter on this creature",
    "own_benched": "for each of your benched creatures",
}


def expected_text(attack: Attack) -> str | None:
    """The effect text `attack` should print, or None if an effect has no template."""
    steps = attack.model_dump(mode="json", exclude_defaults=True).get("effects", [])
    return _sentences(steps)


def expected_modifier(attack: Attack) -> DamageModifier:
    """``times`` if a step sets the damage, ``plus`` if one adds to it, else ``none``."""
    kinds = {step.kind for step in walk_steps(attack.effects)}
    if "set_damage" in kinds:
        return DamageModifier.TIMES
    return DamageModifier.PLUS if "damage_bonus" in kinds else DamageModifier.NONE


def _sentences(steps: Sequence[Step]) -> str | None:
    parts = [_sentence(step) for step in steps]
    return None if not parts or None in parts else " ".join(p for p in parts if p)


def _sentence(step: Step) -> str | None:
    render = _TEMPLATES.get(step["kind"])
    return render(step) if render is not None else None


def _coin_flip(step: Step) -> str | None:
    count = step.get("count", 1)
    if step.get("on_tails"):
        return None
    if step.get("on_heads"):
        then = _sentences(step["on_heads"])
        if count != 1 or then is None:
            return None
        return f"Flip a coin. Heads: {then[0].lower()}{then[1:]}"
    return "Flip a coin." if count == 1 else f"Flip {count} coins."


def _scaled(amount: Mapping[str, Any], sign: str) -> str | None:
    per, each = amount.get("per"), amount.get("per_value")
    if per is None:
        return f"{sign}{amount['value']} damage."
    if amount.get("value"):
        return None
    if per == "heads":
        return f"{sign}{each} damage per heads."
    phrase = _PER.get(per)
    return f"{sign}{each} damage {phrase} (up to {amount['cap']})." if phrase else None


def _damage_bonus(step: Step) -> str | None:
    condition = step.get("condition")
    if condition is None:
        return _scaled(step["amount"], "+")
    if condition == {"kind": "target_damaged"} and "per" not in step["amount"]:
        bonus = step["amount"]["value"]
        return f"If your opponent's Front creature is already damaged: +{bonus} damage."
    return None


def _set_damage(step: Step) -> str | None:
    return _scaled(step["amount"], "") if "per" in step["amount"] else None


def _apply_status(step: Step) -> str | None:
    if step["target"] != _OPP_FRONT:
        return None
    return f"Your opponent's Front creature becomes {step['status'].capitalize()}."


def _heal(step: Step) -> str | None:
    if step["target"] != _SOURCE or step.get("cure") or "per" in step["amount"]:
        return None
    return f"This creature heals {step['amount']['value']} damage."


def _attach_energy(step: Step) -> str | None:
    energy = step["energy"]
    target = {"select": "choose", "side": "own", "zone": "bench"}
    if step["target"] != target or step.get("count", 1) != 1 or not energy.get("basic_only"):
        return None
    if len(energy.get("types", ())) != 1:
        return None
    kind = energy["types"][0].capitalize()
    return (
        f"Take a basic {kind} Energy from your discard pile and attach it to 1 of your"
        " benched creatures."
    )


def _discard_energy(step: Step) -> str | None:
    if step.get("count", 1) != 1 or step.get("chooser"):
        return None
    types = step.get("energy", {}).get("types", ())
    if step["target"] == _SOURCE and len(types) <= 1 and len(step.get("energy", {})) <= 1:
        what = f"a {types[0].capitalize()} Energy" if types else "an Energy"
        return f"Afterwards, discard {what} attached to this creature."
    if step["target"] == _OPP_FRONT and not step.get("energy"):
        return (
            "Knock an Energy of your choice off your opponent's Front creature into their"
            " discard pile."
        )
    return None


def _self_damage(step: Step) -> str:
    return f"This creature takes {step['amount']} recoil damage."


def _add_lasting(step: Step) -> str | None:
    modifier, target, duration = step["modifier"], step["target"], step["duration"]
    kind = modifier["kind"]
    if target == _OPP_FRONT and duration == "opponent_next_turn" and kind == "cannot_retreat":
        return "Your opponent's Front creature can't retreat during their next turn."
    if target != _SOURCE or len(modifier) > 2:
        return None
    until = "Until the end of your opponent's next turn, attacks do"
    if duration == "opponent_next_turn" and kind == "damage_taken" and modifier["amount"] < 0:
        return f"{until} {-modifier['amount']} less damage to this creature."
    if duration == "opponent_next_turn" and kind == "prevent_damage" and len(modifier) == 1:
        return f"{until} no damage to this creature."
    if duration == "own_next_turn" and kind == "cannot_attack" and len(modifier) == 1:
        return "This creature needs a turn to recover: it can't attack during your next turn."
    return None


def _damage(step: Step) -> str | None:
    target, amount = step["target"], step["amount"]
    if "per" in amount or target.get("side") != "opponent" or target.get("zone") != "bench":
        return None
    if set(target) - {"select", "side", "zone", "count"}:
        return None
    if target["select"] == "all":
        whom = "each"
    elif target["select"] == "choose":
        whom = str(target.get("count", 1))
    else:
        return None
    value = amount["value"]
    return f"Also {value} damage to {whom} of your opponent's benched creatures {_BENCH_NOTE}."


def _switch(step: Step) -> str | None:
    if step == {"kind": "switch", "side": "opponent", "chooser": "opponent"}:
        return (
            "After the damage, your opponent swaps their Front creature for 1 of their"
            " benched creatures (their choice)."
        )
    return None


def _draw(step: Step) -> str | None:
    count = step["count"]
    if step.get("player") or "per" in count:
        return None
    return "Draw a card." if count["value"] == 1 else f"Draw {count['value']} cards."


_TEMPLATES: dict[str, Callable[[Step], str | None]] = {
    "coin_flip": _coin_flip,
    "damage_bonus": _damage_bonus,
    "set_damage": _set_damage,
    "apply_status": _apply_status,
    "heal": _heal,
    "attach_energy": _attach_energy,
    "discard_energy": _discard_energy,
    "self_damage": _self_damage,
    "add_lasting": _add_lasting,
    "damage": _damage,
    "switch": _switch,
    "draw": _draw,
}
