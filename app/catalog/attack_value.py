"""What an attack is worth, in damage: the numbers the design targets are written in.

An attack's *value* (VAD, value-adjusted damage) is its expected damage plus what
its other effects are worth in damage (a status, a draw, damage to the bench...),
with the exchange rates of ``data/design/targets.json`` (`EffectValues`). Its
*burst* is the damage it does with every scaling at its cap and coins at their
expectation, and its *maximum* the damage with every coin heads and every
scaling at its cap (the turn-1 rule). Pure functions over the typed card model,
read through its JSON form so one walk covers every step kind.

Callers may rely on: every step kind a catalog attack uses has a value; an
attack with a step this module does not price raises `UnpricedEffectError`
naming it, so a new kind cannot slip past the targets silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.core.cards import Attack


class Typical(BaseModel):
    """The board an attack's expected damage assumes (scaling counts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    benched: int
    counters_on_source: int
    extra_energy: int
    extra_energy_chance: float


class EffectValues(BaseModel):
    """Damage-equivalents of the effects an attack can have besides damage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: dict[str, float]
    coin_branch: float
    heal_source_factor: float
    draw_per_card: float
    damage_chosen_bench_factor: float
    damage_each_bench_factor: float
    place_counters_per_counter: float
    attach_energy_per_energy: float
    discard_opponent_energy: float
    discard_own_energy: float
    self_damage_factor: float
    switch_opponent_they_choose: float
    switch_opponent_you_choose: float
    lasting_opponent_cannot_retreat: float
    lasting_source_damage_taken_factor: float
    lasting_source_prevent_damage: float
    lasting_source_cannot_attack: str


class UnpricedEffectError(ValueError):
    """An attack uses a step (or lasting modifier) the value model has no price for.

    `field` is where, inside the attack (``effects[0].on_heads[1].kind``); `what`
    is the unpriced kind or scaling.
    """

    def __init__(self, attack: str, field: str, what: str) -> None:
        super().__init__(f"attack {attack!r}: {field}: {what} has no price")
        self.field = field
        self.what = what


@dataclass(frozen=True, slots=True)
class AttackValue:
    """An attack's numbers: `value` (VAD), `burst` and `maximum` damage."""

    expected: float
    effects: float
    halved: bool
    burst: float
    maximum: float

    @property
    def value(self) -> float:
        """Expected damage (halved if the attacker must rest) plus effect values."""
        return (self.expected / 2 if self.halved else self.expected) + self.effects


def _walk(
    steps: list[dict[str, Any]], factor: float, coin: float, where: str = "effects"
) -> Iterator[tuple[dict[str, Any], float, str]]:
    for index, step in enumerate(steps):
        path = f"{where}[{index}]"
        yield step, factor, path
        if step["kind"] == "coin_flip":
            for branch in ("on_heads", "on_tails"):
                inner = step.get(branch, [])
                yield from _walk(inner, factor * coin, coin, f"{path}.{branch}")


def value_of(attack: Attack, typical: Typical, prices: EffectValues) -> AttackValue:
    """The numbers of `attack` under `typical` and `prices`.

    Raises:
        UnpricedEffectError: a step or lasting modifier kind without a price.
    """
    data = attack.model_dump(mode="json", exclude_none=True)
    base = float(attack.damage)
    expected = burst = maximum = base
    effects = 0.0
    halved = False
    coins = 0

    def scaled(amount: Mapping[str, Any], how: str, path: str) -> float:
        per, cap = amount["per"], amount["cap"]
        if per == "heads":
            units = {"expected": coins / 2, "burst": coins / 2, "max": float(coins)}[how]
        elif how != "expected":
            units = float(cap)
        elif per == "own_benched":
            units = float(min(cap, typical.benched))
        elif per == "damage_counters_on_source":
            units = min(cap, typical.counters_on_source) * 0.5
        elif per == "energy_beyond_cost":
            units = min(cap, typical.extra_energy) * typical.extra_energy_chance
        else:
            raise UnpricedEffectError(attack.name, f"{path}.amount.per", f"scaling per {per!r}")
        return float(amount.get("value", 0)) + float(amount["per_value"]) * units

    for step, factor, path in _walk(data.get("effects", []), 1.0, prices.coin_branch):
        kind = step["kind"]
        amount = step.get("amount") if isinstance(step.get("amount"), dict) else None
        if kind == "coin_flip":
            coins = step.get("count", 1)
        elif kind == "set_damage" and amount is not None:
            expected = scaled(amount, "expected", path)
            burst = scaled(amount, "burst", path)
            maximum = scaled(amount, "max", path)
        elif kind == "damage_bonus" and amount is not None:
            if "per" in amount:
                expected += factor * scaled(amount, "expected", path)
                burst += factor * scaled(amount, "burst", path)
                maximum += scaled(amount, "max", path)
            else:
                odds = 0.5 if step.get("condition", {}).get("kind") == "target_damaged" else 1.0
                expected += factor * odds * amount["value"]
                burst += factor * amount["value"]
                maximum += amount["value"]
        else:
            effects += factor * _effect_value(attack.name, step, prices, path)
            halved = halved or _rests(step)
    return AttackValue(expected, effects, halved, burst, maximum)


def _rests(step: Mapping[str, Any]) -> bool:
    return bool(step["kind"] == "add_lasting" and step["modifier"]["kind"] == "cannot_attack")


def _effect_value(name: str, step: Mapping[str, Any], v: EffectValues, path: str) -> float:
    kind = step["kind"]
    own = step.get("target", {}).get("side") != "opponent"
    prices: dict[str, Any] = {
        "apply_status": lambda: v.status[step["status"]],
        "heal": lambda: v.heal_source_factor * step["amount"]["value"],
        "draw": lambda: v.draw_per_card * step["count"]["value"],
        "damage": lambda: (
            step["amount"]["value"]
            * (
                v.damage_each_bench_factor
                if step["target"]["select"] == "all"
                else v.damage_chosen_bench_factor
            )
        ),
        "place_counters": lambda: v.place_counters_per_counter * step["count"],
        "attach_energy": lambda: v.attach_energy_per_energy * step.get("count", 1),
        "discard_energy": lambda: (
            (v.discard_own_energy if own else v.discard_opponent_energy) * step.get("count", 1)
        ),
        "self_damage": lambda: v.self_damage_factor * step["amount"],
        "switch": lambda: (
            0.0
            if step["side"] != "opponent"
            else (
                v.switch_opponent_they_choose
                if step.get("chooser") == "opponent"
                else v.switch_opponent_you_choose
            )
        ),
        "add_lasting": lambda: _lasting_value(name, step["modifier"], v, path),
    }
    if kind not in prices:
        raise UnpricedEffectError(name, f"{path}.kind", f"step kind {kind!r}")
    return float(prices[kind]())


def _lasting_value(name: str, modifier: Mapping[str, Any], v: EffectValues, path: str) -> float:
    kind = modifier["kind"]
    if kind == "cannot_retreat":
        return v.lasting_opponent_cannot_retreat
    if kind == "damage_taken":
        return v.lasting_source_damage_taken_factor * -float(modifier["amount"])
    if kind == "prevent_damage":
        return v.lasting_source_prevent_damage
    if kind == "cannot_attack":
        return 0.0
    raise UnpricedEffectError(name, f"{path}.modifier.kind", f"lasting modifier {kind!r}")
