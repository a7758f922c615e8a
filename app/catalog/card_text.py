"""The house style of trainer, energy and ability texts: one sentence template per effect.

Published rules text has a grammar of its own ("Look at the top 3 cards of your
deck...", "Search your deck for..."), and a text written freehand drifts back to it.
Our cards say the same things in words of our own, always the same way:

- looking at cards is *scanning*: "Scan the top 4 cards of your deck.";
- putting cards back under a deck is *tucking*: "tuck the rest under your deck";
- taking a named card from the deck is *picking*: "Pick a Stadium card out of your
  deck, show it, and take it into your hand; shuffle your deck.";
- the active creature is the *Front* (as in attack texts); a switch *trades places*.

`expected_card_text` renders a trainer's or a special energy's effects, and
`expected_ability_text` an ability's, through these templates. The
``card_text`` design check compares the result with the printed text, so a text
and what the card does cannot drift apart, and a card in the house style stays
in it. An effect shape with no template renders as None and the text is not
checked (the templates cover the sentences of issue 21's audit, and grow with
the catalog). Pure: reads the effects' JSON form (defaults left out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from app.catalog.attack_text import _draw as _attack_draw
from app.catalog.design_targets import Finding
from app.core.cards import Ability, CardDefinition, CreatureCard, EnergyCard, TrainerCard

Step = Mapping[str, Any]

_OWN_FRONT = {"select": "all", "side": "own", "zone": "active"}
_OWN_BENCH_PICK = {"select": "choose", "side": "own", "zone": "bench"}
_COUNTS = {1: "a", 2: "2", 3: "3", 4: "4", 5: "5", 6: "6"}


def expected_card_text(card: TrainerCard | EnergyCard) -> str | None:
    """The text `card` should print, or None if part of it has no template."""
    data = card.model_dump(mode="json", exclude_defaults=True)
    parts: list[str | None] = [_requirement(r) for r in data.get("requires", [])]
    effects = data.get("effects", [])
    modifiers = data.get("modifiers", [])
    triggers = data.get("triggers", [])
    if effects:
        parts.append(_sentences(effects))
    for modifier in modifiers:
        parts.append(_stadium_modifier(modifier) if _is_stadium(card) else None)
    for trigger in triggers:
        parts.append(_trigger(trigger, card))
    if not any(parts) or None in parts:
        return None
    return " ".join(p for p in parts if p)


_IMPLIED = (
    {"kind": "creature_in_play", "side": "own", "zone": "bench"},
    {"kind": "creature_in_play", "side": "own", "zone": "active", "filter": {"has_energy": True}},
)
"""Requirements the effect itself implies (no switch without a bench): they print nothing."""


def _requirement(requirement: Step) -> str | None:
    """A sentence for a requirement a player could not guess, "" if implied, None if unknown."""
    if requirement in _IMPLIED:
        return ""
    filter_ = requirement.get("filter", {})
    if requirement.get("kind") == "creature_in_play" and requirement.get("side") == "own":
        if set(filter_) == {"element"}:
            return ""  # the effect names the element it needs
        if requirement.get("zone") == "active" and filter_ == {"damaged": True}:
            return "Play this card only while your Front creature is damaged."
    return None


def expected_ability_text(ability: Ability) -> str | None:
    """The text `ability` should print, or None if it has no template."""
    data = ability.model_dump(mode="json", exclude_defaults=True)
    steps = _sentences(data.get("steps", []))
    if steps is None or data.get("condition"):
        return None
    trigger = data["trigger"]
    if trigger == "activated":
        return f"Once in each of your turns, you may do this: {_lower(steps)}"
    if trigger == "on_play":
        may = "you may " if data.get("optional") else ""
        return f"When you bench this creature from your hand in your turn, {may}{_lower(steps)}"
    return None


def card_text_findings(cards: Sequence[CardDefinition]) -> Iterator[Finding]:
    """``card_text``: each text with a template reads as its template renders it."""
    for card in cards:
        if isinstance(card, TrainerCard | EnergyCard) and card.text:
            wanted = expected_card_text(card)
            if wanted is not None and wanted != card.text:
                yield Finding(card.id, "card_text", f"{card.name}: text should read {wanted!r}")
        if isinstance(card, CreatureCard):
            for ability in card.abilities:
                wanted = expected_ability_text(ability)
                if wanted is not None and wanted != ability.text:
                    yield Finding(
                        card.id,
                        "card_text",
                        f"{card.name}: ability {ability.name!r} should read {wanted!r}",
                    )


def _lower(text: str) -> str:
    return text[0].lower() + text[1:]


def _is_stadium(card: TrainerCard | EnergyCard) -> bool:
    return isinstance(card, TrainerCard) and card.trainer_subtype.value == "stadium"


def _sentences(steps: Sequence[Step]) -> str | None:
    parts = [_sentence(step) for step in steps]
    return None if not parts or None in parts else " ".join(p for p in parts if p)


def _sentence(step: Step) -> str | None:
    if "condition" in step:
        return None
    render = _TEMPLATES.get(step["kind"])
    return render(step) if render is not None else None


def _number(count: object) -> str | None:
    return _COUNTS.get(count) if isinstance(count, int) else None


def _cards(filter_: Mapping[str, Any] | None, count: int, *, any_word: str = "card") -> str | None:
    """A noun phrase for `count` cards passing `filter_` ("a basic creature", "2 Tool cards")."""
    plural = count != 1
    if not filter_:
        return f"{count} {any_word}s" if plural else f"a {any_word}"
    keys = set(filter_)
    if keys == {"card_types"} and filter_["card_types"] == ["creature"]:
        return f"{count} creature cards" if plural else "a creature card"
    if keys == {"card_types", "stages"} and filter_["card_types"] == ["creature"]:
        stages = [s.replace("_", " ") for s in filter_["stages"]]
        noun = "creatures" if plural else "creature"
        if stages == ["basic"]:
            return f"{count} basic {noun}" if plural else f"a basic {noun}"
        if stages == ["stage 1", "stage 2"]:
            return f"{count} evolved {noun}" if plural else f"an evolved {noun} (stage 1 or 2)"
        return None
    if keys == {"card_types", "trainer_subtypes"} and filter_["card_types"] == ["trainer"]:
        kinds = " or ".join(t.capitalize() for t in filter_["trainer_subtypes"])
        return f"{count} {kinds} cards" if plural else f"a {kinds} card"
    return None


def _look_top(step: Step) -> str | None:
    count, pick = step["count"], step["pick"]
    if not isinstance(count, int) or not isinstance(pick, int):
        return None
    filter_ = step.get("filter")
    what = _cards(filter_, pick) if filter_ else str(pick)
    if what is None:
        return None
    scan = f"Scan the top {count} cards of your deck."
    among = "from them" if filter_ else "of them"
    if step.get("must_pick"):
        keep = f"Keep {what} {among} in your hand"
    elif pick == 1:
        keep = f"You may keep {what} {among} in your hand"
    else:
        keep = f"You may keep up to {what} {among} in your hand"
    if step.get("rest", "shuffle") == "bottom":
        return f"{scan} {keep}; tuck the rest under your deck in any order."
    return f"{scan} {keep}, then shuffle your deck."


def _arrange_top(step: Step) -> str | None:
    count = step["count"]
    if not isinstance(count, int):
        return None
    whose = "your opponent's deck" if step.get("player") == "opponent" else "your deck"
    if count == 1:
        return f"Scan the top card of {whose}; it stays where it is."
    return f"Scan {count} cards from the top of {whose} and set them back in an order you pick."


def _search_deck(step: Step) -> str | None:
    count = step.get("count", 1)
    if not isinstance(count, int):
        return None
    what = _cards(step["filter"], count)
    if what is None:
        return None
    if count > 1 and step.get("to") != "bench":
        return (
            f"Pick up to {what} out of your deck, show them, and take them into your hand;"
            " shuffle your deck."
        )
    if count > 1:
        return None
    if step.get("to") == "bench":
        return f"Pick {what} out of your deck and bench it; shuffle your deck."
    return f"Pick {what} out of your deck, show it, and take it into your hand; shuffle your deck."


def _put_from_hand(step: Step) -> str | None:
    low, high = step.get("min_count", 1), step.get("max_count", 1)
    if low != 1 or high != 1:
        return None
    if step.get("to") == "deck_bottom":
        return "Tuck a card from your hand under your deck."
    return "Discard a card from your hand."


def _return_to_hand(step: Step) -> str | None:
    if step["target"] != _OWN_BENCH_PICK or step.get("attached") == "discard":
        return None
    return (
        "Pick 1 of your benched creatures: it and everything attached to it go back to your hand."
    )


def _move_energy(step: Step) -> str | None:
    count = _number(step.get("count", 1))
    if step["from_creature"] != _OWN_FRONT or step["to_creature"] != _OWN_BENCH_PICK or not count:
        return None
    energy = "an Energy" if count == "a" else f"{count} Energy"
    return (
        f"Choose 1 of your benched creatures and shift {energy} onto it from your Front creature."
    )


def _place_counters(step: Step) -> str | None:
    target = step["target"]
    if target != {"select": "choose", "side": "opponent", "zone": "in_play"}:
        return None
    count = step["count"]
    counters = "a damage counter" if count == 1 else f"{count} damage counters"
    return f"Place {counters} on any creature your opponent has in play."


def _switch(step: Step) -> str | None:
    if step == {"kind": "switch", "side": "own"}:
        return "Your Front creature trades places with 1 of your benched creatures."
    return None


def _heal(step: Step) -> str | None:
    target, amount = step["target"], step["amount"]
    basic_front = {**_OWN_FRONT, "filter": {"stages": ["basic"]}}
    if target == basic_front and "per" not in amount and not step.get("cure"):
        return f"If your Front creature is now a basic creature, it heals {amount['value']} damage."
    return None


def _draw(step: Step) -> str | None:
    count = step["count"]
    if step.get("player") == "opponent" and count == {"value": 1}:
        return "Your opponent draws a card."
    return _attack_draw(step)


def _draw_to_hand_size(step: Step) -> str | None:
    if step.get("player") or not isinstance(step["size"], int):
        return None
    return f"Draw cards until you hold {step['size']}."


def _attach_energy(step: Step) -> str | None:
    energy, target = step["energy"], step["target"]
    types = energy.get("types", ())
    if step.get("count", 1) != 1 or not energy.get("basic_only") or len(types) != 1:
        return None
    element = types[0].capitalize()
    own_kind = {
        "select": "choose",
        "side": "own",
        "zone": "in_play",
        "filter": {"element": types[0]},
    }
    if target != own_kind:
        return None
    return (
        f"Take a basic {element} Energy from your discard pile and attach it to 1 of your"
        f" {element} creatures."
    )


def _stadium_modifier(modifier: Step) -> str | None:
    scope = modifier.get("scope", {})
    if modifier.get("kind") != "damage_dealt" or set(modifier) != {"kind", "scope", "amount"}:
        return None
    if set(scope) != {"kind", "element"} or scope["kind"] != "all_in_play":
        return None
    element = scope["element"].capitalize()
    return (
        f"Attacks by {element} creatures (either player's) do {modifier['amount']} more damage"
        " to the opposing Front creature, before weakness and resistance."
    )


def _trigger(trigger: Step, card: TrainerCard | EnergyCard) -> str | None:
    steps = _sentences(trigger.get("steps", []))
    if steps is None:
        return None
    kind = trigger["kind"]
    if kind == "activated" and _is_stadium(card) and set(trigger) == {"kind", "limit", "steps"}:
        only = trigger["steps"] == [{"kind": "arrange_top", "count": 1}]
        if only:
            return (
                "Once in each turn, the player whose turn it is may scan the top card of their"
                " deck; it stays where it is."
            )
        return None
    if kind == "on_attach" and isinstance(card, EnergyCard):
        filter_ = trigger.get("source_filter")
        if set(trigger) - {"kind", "source_filter", "steps"}:
            return None
        if filter_ is None:
            return f"{steps.removesuffix('.')} each time this card goes from your hand into play."
        if set(filter_) == {"element"}:
            element = filter_["element"].capitalize()
            return (
                f"{steps.removesuffix('.')} each time this card goes from your hand onto one of"
                f" your {element} creatures."
            )
    return None


_TEMPLATES: dict[str, Callable[[Step], str | None]] = {
    "look_top": _look_top,
    "arrange_top": _arrange_top,
    "search_deck": _search_deck,
    "put_from_hand": _put_from_hand,
    "return_to_hand": _return_to_hand,
    "move_energy": _move_energy,
    "place_counters": _place_counters,
    "switch": _switch,
    "heal": _heal,
    "draw": _draw,
    "draw_to_hand_size": _draw_to_hand_size,
    "attach_energy": _attach_energy,
}
