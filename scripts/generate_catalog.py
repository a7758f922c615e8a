"""Generate the bundled card catalog and the starter decks.

Usage:  .venv/bin/python scripts/generate_catalog.py [--check]

Writes data/cards/_index.json, one JSON file per set and data/decks/<element>.json.
The output is a pure function of the design tables below (no randomness, no clock),
so running it twice gives byte-identical files; ``--check`` exits non-zero when the
files on disk differ from what the tables produce.

Every creature, attack, ability, trainer and line of text here is original to
Mantimon TCG. The tables hold the creative part (names, lore, trainer effects);
the code applies the balance rules so that numbers stay consistent:
hp grows with stage, damage grows with stage and energy cost, effects cost damage.
After writing, the script loads the catalog through CardService and validates
each starter deck under the default rules, so it never writes an unplayable set.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.core.cards import (  # noqa: E402
    CARD_DEFINITION_ADAPTER,
    Ability,
    Attack,
    CardDefinition,
    CreatureVariant,
    DamageModifier,
    EnergyKind,
    EnergyType,
    Rarity,
    Resistance,
    Stage,
    TrainerSubtype,
    Weakness,
)
from app.core.decks import StarterDeck  # noqa: E402
from app.core.effects import CoinFlip, DamageBonus, walk_steps  # noqa: E402
from app.core.rules import RulesConfig  # noqa: E402

E = EnergyType
G, R, W, L, P, F, D, M, C = (
    E.GRASS,
    E.FIRE,
    E.WATER,
    E.LIGHTNING,
    E.PSYCHIC,
    E.FIGHTING,
    E.DARKNESS,
    E.METAL,
    E.COLORLESS,
)
ELEMENTS = [G, R, W, L, P, F, D, M, C]

# ------------------------------------------------------------ effect builders
# Effects are written as the JSON the card models validate (app/core/effects): a typo in a
# kind or a parameter fails when the card is built, naming the card and the field.

Fields = dict[str, Any]

SOURCE: Fields = {"select": "source"}
ATTACKER: Fields = {"select": "attacker"}
SAME: Fields = {"select": "same"}
OPP_ACTIVE: Fields = {"select": "all", "side": "opponent", "zone": "active"}
OWN_ACTIVE: Fields = {"select": "all", "side": "own", "zone": "active"}
WHILE_ACTIVE: Fields = {"kind": "source_active"}
# Caps that reproduce today's uncapped numbers (catalog v2 balances them): the largest
# bench any RulesConfig allows, the most energy a creature could ever hold (a deck) and the
# most damage counters a creature can carry (400 HP).
MAX_BENCH = 8
MAX_ENERGY = 60
MAX_COUNTERS = 40


def st(kind: str, **fields: Any) -> Fields:
    """A step, modifier or condition of ``kind``; validated when the card is built."""
    return {"kind": kind, **fields}


def amt(value: int) -> Fields:
    return {"value": value}


def per(unit: str, each: int, cap: int) -> Fields:
    return {"per": unit, "per_value": each, "cap": cap}


def flt(**conditions: Any) -> Fields:
    """A creature filter; ``stages`` and friends as keyword arguments."""
    return {k: v for k, v in conditions.items() if v is not None}


def every(side: str, zone: str, **conditions: Any) -> Fields:
    target: Fields = {"select": "all", "side": side, "zone": zone}
    return target | ({"filter": flt(**conditions)} if conditions else {})


def choose(
    side: str, zone: str, count: int = 1, *, up_to: bool = False, **conditions: Any
) -> Fields:
    target: Fields = {"select": "choose", "side": side, "zone": zone, "count": count}
    if up_to:
        target["up_to"] = True
    return target | ({"filter": flt(**conditions)} if conditions else {})


def scope(kind: str, element: EnergyType | None = None) -> Fields:
    return {"kind": kind} | ({"element": element.value} if element else {})


def draw(count: int, player: str = "own") -> Fields:
    return st("draw", player=player, count=amt(count))


def basic_energy(element: EnergyType) -> Fields:
    return {"types": [element.value], "basic_only": True}


def in_play(side: str, zone: str, **conditions: Any) -> Fields:
    condition = st("creature_in_play", side=side, zone=zone)
    return condition | ({"filter": flt(**conditions)} if conditions else {})


def activated(*steps: Fields, **fields: Any) -> Fields:
    return {"kind": "activated", "limit": "once_per_turn", "steps": list(steps)} | fields


def on(kind: str, *steps: Fields, **fields: Any) -> Fields:
    return {"kind": kind, "steps": list(steps)} | fields


def ability_act(*steps: Fields, **fields: Any) -> Fields:
    """Fields of a once-per-turn activated ability."""
    return {"trigger": "activated", "limit": "once_per_turn", "steps": list(steps)} | fields


def ability_when(trigger: str, *steps: Fields, **fields: Any) -> Fields:
    """Fields of an ability that runs its steps when ``trigger`` happens."""
    return {"trigger": trigger, "steps": list(steps)} | fields


def passive(*modifiers: Fields) -> Fields:
    """Fields of a passive ability: modifiers only."""
    return {"trigger": "passive", "modifiers": list(modifiers)}


# --------------------------------------------------------------------------- sets

SETS = [
    {"id": "mv1", "name": "Wildroot Origins", "release_date": "2026-03-06"},
    {"id": "mv2", "name": "Stormglass Tides", "release_date": "2026-07-17"},
]
EXPECTED_TOTAL = 372

ILLUSTRATORS = [
    "Ada Kestrel",
    "Bram Oduya",
    "Chiyo Marr",
    "Dario Venn",
    "Elke Sundqvist",
    "Farah Quill",
    "Goro Hanada",
    "Hester Lowe",
    "Ines Carvalho",
    "Jun Ostrava",
    "Kaia Brightwater",
    "Lio Montfort",
    "Mirela Dusk",
    "Niko Palander",
    "Oona Featherstone",
    "Pavel Rook",
    "Quinn Arbogast",
    "Rosa Tindall",
]

# ------------------------------------------------------------------ type chart

WEAKNESS = {G: R, R: W, W: L, L: F, F: G, P: D, D: M, M: R, C: F}
RESISTANCE = {G: W, R: M, W: R, L: M, F: L, P: F, D: P, M: G}

# ------------------------------------------------------------ creature design


@dataclass(frozen=True)
class LineSpec:
    """An evolution line: names from basic up, base hp per stage, one lore line per stage."""

    set_id: str
    names: tuple[str, ...]
    hps: tuple[int, ...]
    lore: tuple[str, ...]


@dataclass(frozen=True)
class SingleSpec:
    """A basic creature that does not evolve."""

    set_id: str
    name: str
    hp: int
    lore: str


@dataclass(frozen=True)
class ElementSpec:
    lines: tuple[LineSpec, ...]  # mv1: 2 three-stage + 2 two-stage; mv2: 1 three + 1 two
    singles: tuple[SingleSpec, ...]  # mv1: 2, mv2: 1
    light: tuple[str, ...]
    medium: tuple[str, ...]
    heavy: tuple[str, ...]
    effects: tuple[str, ...]
    abilities: tuple[tuple[str, Fields, str], ...]
    status: tuple[str, str] = ("poisoned", "asleep")


def line(set_id: str, names: str, hps: tuple[int, ...], *lore: str) -> LineSpec:
    parts = tuple(names.split())
    assert len(parts) == len(hps) == len(lore), names
    return LineSpec(set_id, parts, hps, lore)


SPECS: dict[EnergyType, ElementSpec] = {
    G: ElementSpec(
        lines=(
            line(
                "mv1",
                "Mossnip Fernclaw Verdantusk",
                (60, 90, 150),
                "It nibbles moss off river stones and naps in the damp shade.",
                "The fronds on its forearms curl tight before a strike, then lash out.",
                "Old forests are said to grow wherever this beast lies down to rest.",
            ),
            line(
                "mv1",
                "Seedlop Podhopper Gourdgale",
                (50, 80, 140),
                "Its ears are two broad leaves that turn to follow the sun.",
                "It stores seeds in the pods along its back and plants them as it hops.",
                "When it spins, the hollow gourd on its tail howls like a storm wind.",
            ),
            line(
                "mv1",
                "Petalwisp Bloomshade",
                (60, 100),
                "A drifting bundle of petals that hums softly when it is happy.",
                "Travellers who rest beneath its wide petals wake feeling years younger.",
            ),
            line(
                "mv1",
                "Mulchmole Rootburrow",
                (70, 110),
                "It turns fallen leaves into rich soil as it tunnels.",
                "Farmers welcome it, for crops grow twice as tall above its tunnels.",
            ),
            line(
                "mv2",
                "Sapkit Resinlynx Amberpine",
                (70, 100, 160),
                "Sticky sap on its paws lets it scamper straight up tree trunks.",
                "It seals its wounds with resin that hardens into golden armor.",
                "Insects trapped in its amber mane have slept there for a thousand years.",
            ),
            line(
                "mv2",
                "Lichenmite Lichenlord",
                (80, 120),
                "It clings to cliff faces and can go a whole season without moving.",
                "Its crown of lichen is older than the mountain it rules.",
            ),
        ),
        singles=(
            SingleSpec("mv1", "Thistlepup", 80, "Its prickly coat keeps foxes away from the nest."),
            SingleSpec("mv1", "Cloverbuck", 100, "Finding a shed antler of this deer brings luck."),
            SingleSpec(
                "mv2", "Vinewyrm", 90, "It coils through the canopy, unseen until it moves."
            ),
        ),
        light=("Leaf Flick", "Seed Spit", "Vine Tap", "Sap Nibble", "Pollen Puff", "Thorn Poke"),
        medium=(
            "Bramble Lash",
            "Spore Cloud",
            "Razor Frond",
            "Sap Drain",
            "Thicket Charge",
            "Bark Bash",
        ),
        heavy=(
            "Canopy Crash",
            "Wild Overgrowth",
            "Ancient Timber",
            "Verdant Surge",
            "Greenwood Stampede",
            "Bloom Burst",
        ),
        effects=("status", "heal_self", "energy_accel", "coin_status", "coin_bonus"),
        abilities=(
            (
                "Healing Canopy",
                ability_act(
                    st("heal", target=choose("own", "in_play", damaged=True), amount=amt(20))
                ),
                "Once during your turn, you may heal 20 damage from 1 of your creatures.",
            ),
            (
                "Photosynthesis Loop",
                ability_act(st("attach_energy", energy=basic_energy(G), target=SOURCE)),
                "Once during your turn, you may attach a basic Grass Energy from your discard "
                "pile to this creature.",
            ),
        ),
        status=("poisoned", "asleep"),
    ),
    R: ElementSpec(
        lines=(
            line(
                "mv1",
                "Cindercub Emberjaw Blazemane",
                (60, 90, 160),
                "Its fur is always warm; villagers borrow it on cold nights.",
                "Embers spill from its jaws whenever it growls.",
                "Its mane burns brighter with every challenger it has beaten.",
            ),
            line(
                "mv1",
                "Fireflit Wickmoth Lanternwing",
                (40, 70, 130),
                "It glows like a candle flame and is drawn to anything that shines.",
                "The dust from its wings smolders where it lands.",
                "Lost miners follow its light back to the surface.",
            ),
            line(
                "mv1",
                "Sootsnout Kilnboar",
                (70, 110),
                "It roots through ash heaps for coals, which it eats like truffles.",
                "The furnace in its belly can fire clay pots as it sleeps.",
            ),
            line(
                "mv1",
                "Magmite Calderax",
                (70, 120),
                "A pebble of cooling lava that wanders off whenever it is curious.",
                "Its shell is a dormant crater. Do not wake it.",
            ),
            line(
                "mv2",
                "Kindlekit Flarevixen Infernix",
                (60, 100, 160),
                "It sets little fires just to sit beside them.",
                "Its twin tails draw loops of flame that trick pursuers.",
                "Legend says its nine flames were lit from the first sunrise.",
            ),
            line(
                "mv2",
                "Charcoil Smeltserpent",
                (70, 110),
                "It curls around hot stones and sheds its skin as charcoal.",
                "Smiths once followed it to find veins of ore it had melted free.",
            ),
        ),
        singles=(
            SingleSpec("mv1", "Brazierbat", 70, "It roosts upside down over hot springs."),
            SingleSpec(
                "mv1", "Scorchling", 90, "It cannot sit still; the grass smokes beneath it."
            ),
            SingleSpec("mv2", "Volcanyx", 100, "It drinks from rivers of lava deep underground."),
        ),
        light=("Ember Nip", "Cinder Spit", "Singe", "Warm Nuzzle", "Spark Toss", "Ash Puff"),
        medium=(
            "Flame Lash",
            "Kiln Charge",
            "Smolder Bite",
            "Scorching Roll",
            "Heat Haze",
            "Coal Fling",
        ),
        heavy=(
            "Blazing Roar",
            "Caldera Burst",
            "Wildfire Rush",
            "Magma Crush",
            "Inferno Dive",
            "Solar Pyre",
        ),
        effects=("status", "discard_energy_self", "recoil", "coin_bonus", "energy_bonus"),
        abilities=(
            (
                "Kindling Heart",
                ability_when(
                    "on_damaged_by_attack",
                    st("damage", target=ATTACKER, amount=amt(20)),
                    condition=WHILE_ACTIVE,
                ),
                "If this creature is in the Active Spot and is damaged by an attack, the "
                "attacking creature takes 20 damage.",
            ),
            (
                "Stoke the Coals",
                ability_act(st("attach_energy", energy=basic_energy(R), target=SOURCE)),
                "Once during your turn, you may attach a basic Fire Energy from your discard "
                "pile to this creature.",
            ),
        ),
        status=("burned", "burned"),
    ),
    W: ElementSpec(
        lines=(
            line(
                "mv1",
                "Driplet Tidefin Maelstryx",
                (60, 90, 150),
                "A single drop of seawater that learned to swim on its own.",
                "It rides the crest of waves, fins spread like sails.",
                "Ships steer wide around the whirlpool that follows it.",
            ),
            line(
                "mv1",
                "Puddlepup Brookhound Torrentmaw",
                (50, 80, 140),
                "It splashes through every puddle it finds and shakes off on its owner.",
                "It can track a scent upstream for days.",
                "Its bark is a crashing flood that flattens reeds for a mile.",
            ),
            line(
                "mv1",
                "Shellmite Coralcrest",
                (60, 100),
                "It decorates its tiny shell with bits of sea glass.",
                "Reefs bloom in bright colors wherever it settles.",
            ),
            line(
                "mv1",
                "Frostnewt Glaciamander",
                (70, 110),
                "It hibernates inside icicles and wakes when they drip.",
                "A single breath from it freezes a pond solid.",
            ),
            line(
                "mv2",
                "Bubblotl Riptidel Abyssaur",
                (60, 100, 160),
                "It blows bubbles to talk to others of its kind.",
                "It hides in the pull of the current and snatches prey that drifts past.",
                "It surfaces once a decade, and the tides change when it does.",
            ),
            line(
                "mv2",
                "Kelpkin Kelpwarden",
                (70, 110),
                "It braids kelp into ropes to moor itself during storms.",
                "It guards the kelp forests and the small creatures that shelter there.",
            ),
        ),
        singles=(
            SingleSpec("mv1", "Saltsnapper", 80, "Its claws can crack an oyster in one snap."),
            SingleSpec("mv1", "Mistray", 90, "It glides through fog banks as if they were water."),
            SingleSpec("mv2", "Leviarch", 110, "Sailors once mistook its back for an island."),
        ),
        light=("Splish", "Drizzle", "Bubble Shot", "Tide Tap", "Fin Slap", "Mist Puff"),
        medium=("Brine Jet", "Current Bite", "Riptide", "Frost Fang", "Wave Slam", "Undertow"),
        heavy=(
            "Tsunami Crash",
            "Deep Pressure",
            "Maelstrom",
            "Glacier Fall",
            "Abyssal Surge",
            "Tidal Hammer",
        ),
        effects=(
            "bench_damage",
            "multi_coin",
            "cant_retreat",
            "discard_opponent_energy",
            "coin_status",
        ),
        abilities=(
            (
                "Calm Current",
                passive(st("prevent_damage", scope=scope("own_bench"))),
                "Prevent all damage done to your benched creatures by your opponent's attacks.",
            ),
            (
                "Tide Pull",
                ability_act(draw(1), condition=WHILE_ACTIVE),
                "Once during your turn, if this creature is in the Active Spot, you may draw a "
                "card.",
            ),
        ),
        status=("paralyzed", "paralyzed"),
    ),
    L: ElementSpec(
        lines=(
            line(
                "mv1",
                "Zapkit Voltlynx Thundrix",
                (50, 80, 140),
                "Static makes its fur stand on end, so it always looks surprised.",
                "Sparks leap between its tufted ears when it hunts.",
                "It runs so fast that thunder arrives after it has gone.",
            ),
            line(
                "mv1",
                "Staticub Amperbear Tempestursa",
                (60, 100, 160),
                "It rubs against wool blankets to charge up before a nap.",
                "It fishes by dipping one crackling paw into the river.",
                "It stands on hilltops during storms and roars back at the sky.",
            ),
            line(
                "mv1",
                "Joltbug Dynamoth",
                (50, 90),
                "It hums near power lines and flickers when startled.",
                "The beating of its wings powers a whole village on summer nights.",
            ),
            line(
                "mv1",
                "Sparkeel Arcserpent",
                (60, 100),
                "It lights up muddy ponds so it can find its way.",
                "Arcs of current dance along its coils as it swims.",
            ),
            line(
                "mv2",
                "Buzzwire Circuiton Overvolt",
                (50, 90, 150),
                "It strings itself between fence posts and buzzes at passers-by.",
                "Its body is a maze of glowing paths that shift as it thinks.",
                "When it overloads, every light for miles flares at once.",
            ),
            line(
                "mv2",
                "Fizzlewick Surgewick",
                (60, 100),
                "It sputters like a damp fuse but never quite goes out.",
                "Its tail is a live wire; it whips it to warn rivals away.",
            ),
        ),
        singles=(
            SingleSpec("mv1", "Ohmling", 70, "It stores a little lightning in its round belly."),
            SingleSpec("mv1", "Capacitoise", 100, "Its shell holds a charge for a hundred years."),
            SingleSpec("mv2", "Skyvolt", 90, "It rides the leading edge of thunderstorms."),
        ),
        light=("Static Tap", "Jolt", "Spark Nip", "Buzz", "Shock Whisker", "Crackle"),
        medium=(
            "Crackle Fang",
            "Arc Lash",
            "Charge Ram",
            "Current Coil",
            "Ion Burst",
            "Flash Strike",
        ),
        heavy=(
            "Storm Hammer",
            "Gigavolt Cannon",
            "Skybreaker",
            "Lightning Lance",
            "Overload Blast",
            "Thunderhead",
        ),
        effects=("coin_status", "bench_damage", "recoil", "energy_bonus", "discard_energy_self"),
        abilities=(
            (
                "Static Field",
                ability_act(st("place_counters", target=choose("opponent", "in_play"), count=1)),
                "Once during your turn, you may put 1 damage counter on 1 of your opponent's "
                "creatures.",
            ),
            (
                "Dynamo",
                ability_act(st("attach_energy", energy=basic_energy(L), target=SOURCE)),
                "Once during your turn, you may attach a basic Lightning Energy from your "
                "discard pile to this creature.",
            ),
        ),
        status=("paralyzed", "paralyzed"),
    ),
    P: ElementSpec(
        lines=(
            line(
                "mv1",
                "Mindle Cerebrisk Psionova",
                (50, 80, 130),
                "It stares at a single spot for hours, thinking very hard.",
                "It bends spoons, forks and occasionally the opinions of others.",
                "Its thoughts shine so brightly they can be seen at night.",
            ),
            line(
                "mv1",
                "Dreamsy Reverie Somnarch",
                (60, 90, 140),
                "It floats above sleeping children and keeps nightmares away.",
                "It collects forgotten dreams and hums them back as lullabies.",
                "It rules a kingdom that exists only while everyone is asleep.",
            ),
            line(
                "mv1",
                "Glyphet Runeseer",
                (60, 90),
                "The symbols on its skin rearrange themselves every morning.",
                "Scholars have spent lifetimes trying to read its markings.",
            ),
            line(
                "mv1",
                "Echomote Echolyth",
                (60, 100),
                "It repeats the last word it heard, a little too late.",
                "Standing stones hum when it passes, echoing voices from long ago.",
            ),
            line(
                "mv2",
                "Wispurr Moonpaw Eclipsoth",
                (60, 90, 150),
                "A ghostly kitten that purrs only when no one is looking.",
                "Its paw prints glow on the ground for a night and a day.",
                "When it spreads its wings, the moon goes dark for a moment.",
            ),
            line(
                "mv2",
                "Auralamb Seraphleece",
                (70, 110),
                "Its wool shimmers with a soft light that calms anyone nearby.",
                "It appears to lost travellers and leads them home.",
            ),
        ),
        singles=(
            SingleSpec(
                "mv1", "Tarotoad", 80, "It flips over a card each dawn and sulks if it's bad."
            ),
            SingleSpec("mv1", "Oraclemoth", 90, "Its wing patterns are said to show the future."),
            SingleSpec(
                "mv2", "Mirrage", 90, "It shows you what you most want to see, then vanishes."
            ),
        ),
        light=("Mind Poke", "Dream Tap", "Odd Glance", "Whisper", "Mote Drift", "Hex Flick"),
        medium=(
            "Psi Ripple",
            "Hypnotic Hum",
            "Mirror Jab",
            "Rune Bolt",
            "Vision Pulse",
            "Star Chime",
        ),
        heavy=(
            "Astral Collapse",
            "Nightmare Veil",
            "Mindquake",
            "Eclipse Ray",
            "Dreamfall",
            "Oracle's Verdict",
        ),
        effects=("status", "snipe", "switch_opponent", "coin_status", "target_damage_bonus"),
        abilities=(
            (
                "Foresight",
                ability_act(st("arrange_top", player="own", count=3)),
                "Once during your turn, you may look at the top 3 cards of your deck and put "
                "them back in any order.",
            ),
            (
                "Mind Veil",
                passive(st("status_immunity")),
                "This creature can't be affected by Special Conditions.",
            ),
        ),
        status=("confused", "asleep"),
    ),
    F: ElementSpec(
        lines=(
            line(
                "mv1",
                "Pebblit Bouldrox Titanodon",
                (70, 100, 170),
                "It rolls downhill for fun and climbs back up for more.",
                "It headbutts boulders to sharpen the ridge on its skull.",
                "Mountain paths were first worn smooth by its footsteps.",
            ),
            line(
                "mv1",
                "Scrappup Brawlhound Gauntlupus",
                (60, 90, 150),
                "It play-fights with anything, including its own shadow.",
                "Its front paws are wrapped in hardened mud like boxing gloves.",
                "It never backs down, and it never loses the same fight twice.",
            ),
            line(
                "mv1",
                "Pugbun Brawlbun",
                (60, 100),
                "Its stubby legs deliver a surprisingly strong kick.",
                "It trains at dawn on the same hill, kicking at the wind.",
            ),
            line(
                "mv1",
                "Craglamb Cragram",
                (70, 120),
                "Its hooves grip sheer rock walls that goats will not climb.",
                "The crack of its horns against stone echoes through the valley.",
            ),
            line(
                "mv2",
                "Sandnib Dunewalker Mesaquake",
                (60, 100, 170),
                "It buries itself in warm sand with only its eyes showing.",
                "It walks the deserts at night, leaving tracks that fill by morning.",
                "The plateaus of the south are where it once lay down to sleep.",
            ),
            line(
                "mv2",
                "Claykin Terragrip",
                (70, 120),
                "It reshapes its own body from riverbank clay.",
                "Its grip can pull a tree out of the ground, roots and all.",
            ),
        ),
        singles=(
            SingleSpec("mv1", "Fossilump", 90, "It was dug up in a quarry and seemed annoyed."),
            SingleSpec("mv1", "Kickadillo", 100, "It rolls into a ball, then unrolls mid-kick."),
            SingleSpec("mv2", "Tectonox", 110, "The ground shifts a little whenever it shrugs."),
        ),
        light=(
            "Pebble Toss",
            "Knuckle Tap",
            "Brow Bump",
            "Dust Kick",
            "Shoulder Check",
            "Grit Punch",
        ),
        medium=("Rock Slam", "Haymaker", "Quarry Drop", "Tremor Step", "Grapple", "Sandblast"),
        heavy=(
            "Landslide",
            "Titan Press",
            "Fault Line",
            "Mountain Breaker",
            "Meteor Knuckle",
            "Colossal Quake",
        ),
        effects=(
            "recoil",
            "damage_counters_bonus",
            "coin_bonus",
            "cant_attack_next_turn",
            "multi_coin",
        ),
        abilities=(
            (
                "Bedrock Hide",
                passive(st("damage_taken", amount=-20)),
                "This creature takes 20 less damage from attacks (after applying weakness and "
                "resistance).",
            ),
            (
                "Stubborn Grit",
                passive(st("survive_at_full_hp", remaining_hp=10)),
                "If this creature has full HP and would be knocked out by damage from an "
                "attack, it is left with 10 HP instead.",
            ),
        ),
        status=("confused", "paralyzed"),
    ),
    D: ElementSpec(
        lines=(
            line(
                "mv1",
                "Nightnib Duskfang Umbralynx",
                (60, 90, 150),
                "It nips at ankles from under the bed, then pretends to be asleep.",
                "It hunts only in the hour between sunset and full dark.",
                "Its shadow moves a moment before it does.",
            ),
            line(
                "mv1",
                "Crowlet Ravenshroud Murkmonarch",
                (50, 80, 140),
                "It steals shiny buttons and hides them in a secret nest.",
                "It wraps itself in its wings and becomes one with the night.",
                "Flocks gather at its call and blot out the stars.",
            ),
            line(
                "mv1",
                "Sneakit Pilferat",
                (60, 90),
                "It slips into bags and leaves with the snacks.",
                "It has a pocket for everything, and everything it takes goes in one.",
            ),
            line(
                "mv1",
                "Gloomspore Rotcap",
                (60, 100),
                "It grows in the shadowy corners of forgotten cellars.",
                "A single puff of its spores makes grown adults weep with gloom.",
            ),
            line(
                "mv2",
                "Hushbat Veilbat Nocturnyx",
                (60, 90, 150),
                "It flies without a sound and sleeps in abandoned bell towers.",
                "Its wings absorb light, leaving a hole in the night where it passes.",
                "It is the silence between the chimes of midnight.",
            ),
            line(
                "mv2",
                "Oilslink Slickshade",
                (70, 110),
                "It oozes out of tar pits to bask in the moonlight.",
                "It slides under doors and through keyholes like spilled ink.",
            ),
        ),
        singles=(
            SingleSpec("mv1", "Grudgeling", 70, "It remembers every slight and writes it down."),
            SingleSpec("mv1", "Pickpockit", 90, "Its nimble paws can unbuckle a belt unnoticed."),
            SingleSpec("mv2", "Obsidrake", 110, "Its scales are volcanic glass, sharp as knives."),
        ),
        light=("Quick Grab", "Sneak Bite", "Gloom Nip", "Shadow Poke", "Trip Up", "Sly Swipe"),
        medium=("Nightcut", "Ambush", "Rot Bite", "Murk Claw", "Pilfer", "Dusk Fang"),
        heavy=(
            "Umbral Rend",
            "Midnight Feast",
            "Void Howl",
            "Obsidian Fang",
            "Eclipse Maw",
            "Dread Shroud",
        ),
        effects=(
            "status",
            "discard_opponent_energy",
            "cant_retreat",
            "target_damage_bonus",
            "snipe",
        ),
        abilities=(
            (
                "Lingering Grudge",
                ability_when("on_knocked_out", st("place_counters", target=ATTACKER, count=3)),
                "If this creature is knocked out by damage from an attack, put 3 damage "
                "counters on the attacking creature.",
            ),
            (
                "Prying Paws",
                ability_act(st("reveal_hand", player="opponent")),
                "Once during your turn, you may have your opponent reveal their hand.",
            ),
        ),
        status=("poisoned", "confused"),
    ),
    M: ElementSpec(
        lines=(
            line(
                "mv1",
                "Rivetpup Gearhound Bastiron",
                (70, 100, 170),
                "Its joints squeak until it finds a puddle of oil to roll in.",
                "The gears along its spine turn faster as it picks up a scent.",
                "Towns once built their walls around a sleeping one.",
            ),
            line(
                "mv1",
                "Cogmite Cogwyrm Anvilisk",
                (60, 90, 150),
                "It clicks when it walks and ticks when it sleeps.",
                "It coils around machinery and keeps it running in exchange for warmth.",
                "Its head is a solid anvil; smiths leave it offerings of scrap.",
            ),
            line(
                "mv1",
                "Tinbeetle Chromantis",
                (60, 100),
                "Its shell rings like a bell when raindrops hit it.",
                "Its forearms are polished blades that reflect the sky.",
            ),
            line(
                "mv1",
                "Alloyster Bulwarkrab",
                (70, 120),
                "It hides a pearl of pure silver and guards it with its life.",
                "Its shell is so thick that waves break around it.",
            ),
            line(
                "mv2",
                "Nickelet Steelark Aegisaur",
                (70, 100, 170),
                "It nibbles on old coins and grows a little shinier each time.",
                "The plates of its back slide together into a dome when it hides.",
                "It stands at the gate of its territory like a living fortress.",
            ),
            line(
                "mv2",
                "Chimebell Carillonox",
                (70, 120),
                "It rings softly whenever a friend is near.",
                "Its toll can be heard across three valleys.",
            ),
        ),
        singles=(
            SingleSpec("mv1", "Ingotoise", 100, "It moves slowly, but nothing has ever dented it."),
            SingleSpec("mv1", "Cutlasseel", 80, "It slices through currents with its steel fin."),
            SingleSpec(
                "mv2", "Forgewyrm", 110, "It nests inside forges and tempers its own scales."
            ),
        ),
        light=("Rivet Shot", "Clank", "Tin Tap", "Gear Nip", "Bolt Toss", "Chime"),
        medium=("Iron Ram", "Anvil Drop", "Steel Coil", "Cog Crunch", "Plate Bash", "Alloy Claw"),
        heavy=(
            "Bastion Breaker",
            "Forge Hammer",
            "Meteor Steel",
            "Titanium Crush",
            "Foundry Blast",
            "Aegis Charge",
        ),
        effects=(
            "reduce_damage_next_turn",
            "prevent_damage_coin",
            "energy_bonus",
            "cant_attack_next_turn",
            "recoil",
        ),
        abilities=(
            (
                "Iron Plating",
                passive(st("damage_taken", amount=-30)),
                "This creature takes 30 less damage from attacks (after applying weakness and "
                "resistance).",
            ),
            (
                "Magnetic Hold",
                passive(
                    st(
                        "retreat_cost",
                        amount=1,
                        scope=scope("opponent_active"),
                        condition=WHILE_ACTIVE,
                    )
                ),
                "As long as this creature is in the Active Spot, the retreat cost of your "
                "opponent's Active creature is 1 more.",
            ),
        ),
        status=("paralyzed", "confused"),
    ),
    C: ElementSpec(
        lines=(
            line(
                "mv1",
                "Pipwing Breezewing Zephyrion",
                (50, 80, 140),
                "It hops from branch to branch before it dares to fly.",
                "It sings at dawn and the whole forest wakes to its song.",
                "A single beat of its wings turns a calm day windy.",
            ),
            line(
                "mv1",
                "Nibbit Thumpkin Warrenking",
                (50, 80, 140),
                "It nibbles on everything, including the garden fence.",
                "It thumps its foot to warn the burrow of danger.",
                "Every rabbit hole in the land is said to lead to its hall.",
            ),
            line(
                "mv1",
                "Fluffle Puffaloo",
                (60, 100),
                "It is mostly fluff. Nobody is sure what is underneath.",
                "In spring it sheds enough fluff to stuff a dozen pillows.",
            ),
            line(
                "mv1",
                "Tailwag Hearthound",
                (60, 110),
                "It wags its tail so hard that its whole body wiggles.",
                "It keeps watch by the fireplace and greets every guest.",
            ),
            line(
                "mv2",
                "Woolet Baaron Grandfleece",
                (60, 100, 160),
                "It follows the flock but always wanders off to look at clouds.",
                "It leads the flock with a dignified bleat and a curled horn.",
                "Its fleece is so vast that lambs get lost inside it.",
            ),
            line(
                "mv2",
                "Mimikit Mimicorn",
                (60, 100),
                "It copies the way others walk until it forgets its own.",
                "Its horn shows a perfect reflection of whoever faces it.",
            ),
        ),
        singles=(
            SingleSpec("mv1", "Scrapdove", 70, "It builds nests out of whatever people drop."),
            SingleSpec("mv1", "Trundlehog", 100, "It rolls along country lanes after the harvest."),
            SingleSpec(
                "mv2",
                "Wanderhorn",
                110,
                "It travels the world and never sleeps twice in one place.",
            ),
        ),
        light=("Beak Jab", "Claw Swipe", "Bumble Rush", "Snuffle", "Breeze Flap", "Hop Kick"),
        medium=("Wing Buffet", "Belly Flop", "Herd Rush", "Rolling Rush", "Dive Bomb", "Hoof Drum"),
        heavy=(
            "Hurricane Dive",
            "Thunderous Hooves",
            "Skyward Crash",
            "Grand Charge",
            "Wild Roar",
            "Gale Force",
        ),
        effects=("bench_count", "draw_cards", "multi_coin", "switch_opponent", "heal_self"),
        abilities=(
            (
                "Tailwind",
                passive(st("retreat_cost", amount=-1, scope=scope("own_active"))),
                "The retreat cost of your Active creature is 1 less.",
            ),
            (
                "Friendly Call",
                ability_when("on_play", draw(2), optional=True),
                "When you play this creature from your hand onto your bench during your turn, "
                "you may draw 2 cards.",
            ),
        ),
        status=("asleep", "confused"),
    ),
}

# ------------------------------------------------------------- balance tables

# Base damage by (stage kind, energy cost). Rows grow with cost, columns with stage.
DAMAGE: dict[str, dict[int, int]] = {
    "basic": {1: 20, 2: 40, 3: 60},
    "stage_1": {1: 30, 2: 60, 3: 90},
    "stage_2": {1: 40, 2: 80, 3: 120, 4: 160},
    "basic_ex": {1: 40, 2: 60, 3: 110},
    "stage_2_ex": {2: 80, 3: 140, 4: 200},
}
# Element toughness: tanky elements trade a little damage for hp elsewhere.
HP_BONUS = {G: 0, R: 0, W: 0, L: -10, P: -10, F: 10, D: 0, M: 10, C: 0}
EX_HP_BONUS = {"basic": 60, "stage_2": 50}

# Attack plans per role: (tier, energy cost, carries an effect).
PLANS: dict[str, list[tuple[str, int, bool]]] = {
    "basic_of_3": [("light", 1, False), ("medium", 2, True)],
    "stage_1_of_3": [("medium", 2, True), ("medium", 3, False)],
    "stage_2": [("medium", 2, True), ("heavy", 4, False)],
    "stage_2_ability": [("heavy", 3, True)],
    "basic_of_2": [("light", 1, True), ("medium", 2, False)],
    "stage_1_of_2": [("medium", 2, False), ("heavy", 3, True)],
    "single": [("light", 1, True), ("medium", 3, False)],
    "single_ability": [("medium", 2, True)],
    "basic_ex": [("medium", 2, True), ("heavy", 3, False)],
    "stage_2_ex": [("medium", 2, True), ("heavy", 4, False)],
    "reprint_basic": [("light", 1, True)],
    "reprint_stage_1": [("medium", 2, False), ("heavy", 3, True)],
}
# Effects that add damage only make sense on attacks costing at least this much.
BIG_EFFECTS = {"discard_energy_self", "cant_attack_next_turn", "recoil", "bench_damage"}
MIN_COST_FOR_BIG = 2


def tens(value: float) -> int:
    return max(10, int(value / 10 + 0.5) * 10)


def expected_damage(attack: Attack) -> float:
    """Average damage of an attack, reading coin flips and per-unit damage as a designer would."""
    steps = walk_steps(attack.effects)
    if attack.damage_modifier is DamageModifier.TIMES:
        flips = [s.count for s in steps if isinstance(s, CoinFlip)]
        units = flips[0] / 2 if flips else 3
        return attack.damage * units
    if attack.damage_modifier is DamageModifier.PLUS:
        fixed = [
            s.amount.value for s in steps if isinstance(s, DamageBonus) and s.amount.per is None
        ]
        bonus = fixed[0] if fixed else 40
        return attack.damage + bonus / 2
    return attack.damage


def type_name(energy: EnergyType) -> str:
    return energy.value.capitalize()


def make_cost(element: EnergyType, cost: int, heavy: bool) -> tuple[EnergyType, ...]:
    if element is C:
        return (C,) * cost
    own = cost - 1 if heavy and cost > 1 else (cost + 1) // 2
    return (element,) * own + (C,) * (cost - own)


def apply_effect(
    kind: str, element: EnergyType, spec: ElementSpec, damage: int, cost: int
) -> dict[str, Any]:
    """Return the attack fields for `kind`, trading damage for the effect's value."""
    t = type_name(element)
    plain_damage = damage
    effect: dict[str, Any]
    if kind == "status":
        cond = spec.status[0]
        effect = {
            "damage": tens(damage - 10),
            "effect_text": f"Your opponent's Active creature is now {cond.capitalize()}.",
            "effects": [st("apply_status", target=OPP_ACTIVE, status=cond)],
        }
    elif kind == "coin_status":
        cond = spec.status[1]
        effect = {
            "damage": damage,
            "effect_text": (
                f"Flip a coin. If heads, your opponent's Active creature is now "
                f"{cond.capitalize()}."
            ),
            "effects": [
                st("coin_flip", on_heads=[st("apply_status", target=OPP_ACTIVE, status=cond)])
            ],
        }
    elif kind == "heal_self":
        amount = 20 if cost <= 2 else 30
        effect = {
            "damage": tens(damage - 10),
            "effect_text": f"Heal {amount} damage from this creature.",
            "effects": [st("heal", target=SOURCE, amount=amt(amount))],
        }
    elif kind == "energy_accel":
        effect = {
            "damage": tens(damage / 2),
            "effect_text": (
                f"Attach a basic {t} Energy from your discard pile to 1 of your benched creatures."
            ),
            "effects": [
                st(
                    "attach_energy",
                    energy=basic_energy(element),
                    target=choose("own", "bench"),
                )
            ],
        }
    elif kind == "discard_energy_self":
        effect = {
            "damage": damage + (20 if cost <= 2 else 30),
            "effect_text": f"Discard a {t} Energy from this creature.",
            "effects": [st("discard_energy", target=SOURCE, energy={"types": [element.value]})],
        }
    elif kind == "recoil":
        amount = 10 if cost <= 2 else 30
        effect = {
            "damage": damage + (20 if cost <= 2 else 30),
            "effect_text": f"This creature also does {amount} damage to itself.",
            "effects": [st("self_damage", amount=amount)],
        }
    elif kind == "coin_bonus":
        bonus = 30 if cost <= 2 else 50
        effect = {
            "damage": tens(damage - 20),
            "damage_modifier": DamageModifier.PLUS,
            "effect_text": f"Flip a coin. If heads, this attack does {bonus} more damage.",
            "effects": [st("coin_flip", on_heads=[st("damage_bonus", amount=amt(bonus))])],
        }
    elif kind == "energy_bonus":
        effect = {
            "damage": tens(damage - 10),
            "damage_modifier": DamageModifier.PLUS,
            "effect_text": (
                "This attack does 20 more damage for each Energy attached to this creature "
                "beyond this attack's cost."
            ),
            "effects": [st("damage_bonus", amount=per("energy_beyond_cost", 20, MAX_ENERGY))],
        }
    elif kind == "multi_coin":
        flips = cost + 1
        each = tens(2 * damage / flips)
        effect = {
            "damage": each,
            "damage_modifier": DamageModifier.TIMES,
            "effect_text": f"Flip {flips} coins. This attack does {each} damage for each heads.",
            "effects": [
                st("coin_flip", count=flips),
                st("set_damage", amount=per("heads", each, flips)),
            ],
        }
    elif kind == "bench_damage":
        effect = {
            "damage": tens(damage - 20),
            "effect_text": (
                "This attack also does 10 damage to each of your opponent's benched creatures. "
                "(Don't apply weakness and resistance for benched creatures.)"
            ),
            "effects": [st("damage", target=every("opponent", "bench"), amount=amt(10))],
        }
    elif kind == "cant_retreat":
        effect = {
            "damage": tens(damage - 10),
            "effect_text": (
                "During your opponent's next turn, the Defending creature can't retreat."
            ),
            "effects": [
                st(
                    "add_lasting",
                    target=OPP_ACTIVE,
                    modifier=st("cannot_retreat"),
                    duration="opponent_next_turn",
                )
            ],
        }
    elif kind == "discard_opponent_energy":
        effect = {
            "damage": tens(damage - 20),
            "effect_text": "Discard an Energy from your opponent's Active creature.",
            "effects": [st("discard_energy", target=OPP_ACTIVE)],
        }
    elif kind == "snipe":
        effect = {
            "damage": tens(damage - 20),
            "effect_text": (
                "This attack also does 20 damage to 1 of your opponent's benched creatures. "
                "(Don't apply weakness and resistance for benched creatures.)"
            ),
            "effects": [st("damage", target=choose("opponent", "bench"), amount=amt(20))],
        }
    elif kind == "switch_opponent":
        effect = {
            "damage": tens(damage - 20),
            "effect_text": (
                "Switch out your opponent's Active creature to the bench. (Your opponent "
                "chooses the new Active creature.)"
            ),
            "effects": [st("switch", side="opponent", chooser="opponent")],
        }
    elif kind == "damage_counters_bonus":
        effect = {
            "damage": tens(damage - 20),
            "damage_modifier": DamageModifier.PLUS,
            "effect_text": (
                "This attack does 10 more damage for each damage counter on this creature."
            ),
            "effects": [
                st("damage_bonus", amount=per("damage_counters_on_source", 10, MAX_COUNTERS))
            ],
        }
    elif kind == "target_damage_bonus":
        bonus = 30 if cost <= 2 else 50
        effect = {
            "damage": tens(damage - 20),
            "damage_modifier": DamageModifier.PLUS,
            "effect_text": (
                f"If your opponent's Active creature already has any damage counters on it, "
                f"this attack does {bonus} more damage."
            ),
            "effects": [st("damage_bonus", amount=amt(bonus), condition=st("target_damaged"))],
        }
    elif kind == "cant_attack_next_turn":
        effect = {
            "damage": damage + (30 if cost <= 2 else 50),
            "effect_text": "During your next turn, this creature can't attack.",
            "effects": [
                st(
                    "add_lasting",
                    target=SOURCE,
                    modifier=st("cannot_attack"),
                    duration="own_next_turn",
                )
            ],
        }
    elif kind == "reduce_damage_next_turn":
        effect = {
            "damage": tens(damage - 10),
            "effect_text": (
                "During your opponent's next turn, this creature takes 20 less damage from attacks."
            ),
            "effects": [
                st(
                    "add_lasting",
                    target=SOURCE,
                    modifier=st("damage_taken", amount=-20),
                    duration="opponent_next_turn",
                )
            ],
        }
    elif kind == "prevent_damage_coin":
        effect = {
            "damage": tens(damage - 20),
            "effect_text": (
                "Flip a coin. If heads, during your opponent's next turn, prevent all damage "
                "done to this creature by attacks."
            ),
            "effects": [
                st(
                    "coin_flip",
                    on_heads=[
                        st(
                            "add_lasting",
                            target=SOURCE,
                            modifier=st("prevent_damage"),
                            duration="opponent_next_turn",
                        )
                    ],
                )
            ],
        }
    elif kind == "bench_count":
        each = tens(damage / 3)
        effect = {
            "damage": each,
            "damage_modifier": DamageModifier.TIMES,
            "effect_text": f"This attack does {each} damage for each of your benched creatures.",
            "effects": [st("set_damage", amount=per("own_benched", each, MAX_BENCH))],
        }
    elif kind == "draw_cards":
        count = 1 if cost <= 1 else 2
        noun = "a card" if count == 1 else f"{count} cards"
        effect = {
            "damage": tens(damage - 10),
            "effect_text": f"Draw {noun}.",
            "effects": [draw(count)],
        }
    else:  # pragma: no cover - a typo in the tables
        raise ValueError(f"unknown effect kind {kind!r}")
    assert effect["damage"] <= plain_damage + 50
    return effect


# ---------------------------------------------------------------- card records


@dataclass(frozen=True)
class Draft:
    """A creature before numbering: every field but id, number, artist and image."""

    set_id: str
    fields: dict[str, Any]


class Rotation:
    """Deterministic round-robin over a tuple: names and effects vary, reproducibly."""

    def __init__(self, items: tuple[str, ...]) -> None:
        self.items = items
        self.position = 0

    def next(self, avoid: set[str] | None = None, allow: set[str] | None = None) -> str:
        for _ in range(len(self.items)):
            item = self.items[self.position % len(self.items)]
            self.position += 1
            if (avoid is None or item not in avoid) and (allow is None or item in allow):
                return item
        raise ValueError(f"no usable item in {self.items}")


class CreatureFactory:
    """Builds the creature drafts of one element, keeping its rotations of names and effects."""

    def __init__(self, element: EnergyType) -> None:
        self.element = element
        self.spec = SPECS[element]
        self.names = {
            tier: Rotation(getattr(self.spec, tier)) for tier in ("light", "medium", "heavy")
        }
        self.effects = Rotation(self.spec.effects)
        self.abilities = Rotation(tuple(a[0] for a in self.spec.abilities))

    def attacks(self, role: str, stage_kind: str) -> list[Attack]:
        """Attacks for a role; a dearer attack never averages less damage than a cheaper one."""
        plan = PLANS[role]
        result: list[Attack] = []
        used: set[str] = set()
        for position, (tier, cost, with_effect) in enumerate(plan):
            name = self.names[tier].next(avoid=used)
            used.add(name)
            damage = DAMAGE[stage_kind][cost]
            fields: dict[str, Any] = {
                "name": name,
                "cost": make_cost(self.element, cost, tier == "heavy"),
                "damage": damage,
            }
            attack = Attack.model_validate(fields)
            if with_effect:
                low = (
                    expected_damage(result[-1])
                    if result and result[-1].converted_cost < cost
                    else 0
                )
                later = plan[position + 1 :]
                # strictly below the next, dearer attack, so paying more is always worth it
                high = (
                    DAMAGE[stage_kind][later[0][1]] - 10 if later and later[0][1] > cost else 10**6
                )
                allowed = None
                if cost < MIN_COST_FOR_BIG:
                    allowed = set(self.spec.effects) - BIG_EFFECTS
                for _ in self.spec.effects:
                    kind = self.effects.next(allow=allowed)
                    effect = apply_effect(kind, self.element, self.spec, damage, cost)
                    attack = Attack.model_validate(fields | effect)
                    if low < expected_damage(attack) <= high:
                        break
                else:
                    raise ValueError(f"no effect of {self.element} fits {role} attack {name}")
            result.append(attack)
        return result

    def ability(self) -> Ability:
        name = self.abilities.next()
        _, fields, text = next(a for a in self.spec.abilities if a[0] == name)
        return Ability.model_validate({"name": name, "text": text} | fields)

    def creature(
        self,
        set_id: str,
        name: str,
        stage: Stage,
        hp: int,
        role: str,
        *,
        evolves_from: str | None = None,
        ex: bool = False,
        with_ability: bool = False,
        lore: str | None = None,
    ) -> Draft:
        stage_kind = stage.value + ("_ex" if ex else "")
        hp = hp + HP_BONUS[self.element]
        element = self.element
        fields: dict[str, Any] = {
            "name": f"{name} ex" if ex else name,
            "stage": stage,
            "variant": CreatureVariant.EX if ex else CreatureVariant.NORMAL,
            "hp": hp,
            "element": element,
            "evolves_from": evolves_from,
            "attacks": self.attacks(role, stage_kind),
            "abilities": [self.ability()] if with_ability else [],
            "weakness": Weakness(type=WEAKNESS[element]),
            "resistance": (
                Resistance(type=RESISTANCE[element], value=30)
                if element in RESISTANCE and (stage is Stage.STAGE_2 or element in (M, F))
                else None
            ),
            "retreat_cost": min(4, max(0, (hp - 10) // 50)),
            "flavor_text": lore,
            "rarity": self.rarity(stage, ex, role),
        }
        return Draft(set_id, fields)

    @staticmethod
    def rarity(stage: Stage, ex: bool, role: str) -> Rarity:
        if ex:
            return Rarity.DOUBLE_RARE
        if stage is Stage.STAGE_2:
            return Rarity.RARE
        if stage is Stage.STAGE_1:
            return Rarity.UNCOMMON
        return Rarity.UNCOMMON if role == "single_ability" else Rarity.COMMON


def creature_drafts(element: EnergyType) -> dict[str, list[Draft]]:
    """All creature drafts of one element, per set, in printing order."""
    factory = CreatureFactory(element)
    spec = factory.spec
    per_set: dict[str, list[Draft]] = {s["id"]: [] for s in SETS}

    def add_line(spec_line: LineSpec, *, ex_final: bool, ability_final: bool) -> None:
        length = len(spec_line.names)
        for index, (name, hp, lore) in enumerate(
            zip(spec_line.names, spec_line.hps, spec_line.lore, strict=True)
        ):
            stage = list(Stage)[index]
            if stage is Stage.BASIC:
                role = "basic_of_3" if length == 3 else "basic_of_2"
            elif stage is Stage.STAGE_1:
                role = "stage_1_of_3" if length == 3 else "stage_1_of_2"
            else:
                role = "stage_2_ability" if ability_final else "stage_2"
            per_set[spec_line.set_id].append(
                factory.creature(
                    spec_line.set_id,
                    name,
                    stage,
                    hp,
                    role,
                    evolves_from=spec_line.names[index - 1] if index else None,
                    with_ability=stage is Stage.STAGE_2 and ability_final,
                    lore=lore,
                )
            )
        if ex_final:
            per_set[spec_line.set_id].append(
                factory.creature(
                    spec_line.set_id,
                    spec_line.names[-1],
                    Stage.STAGE_2,
                    spec_line.hps[-1] + EX_HP_BONUS["stage_2"],
                    "stage_2_ex",
                    evolves_from=spec_line.names[-2],
                    ex=True,
                )
            )

    mv1_lines = [ln for ln in spec.lines if ln.set_id == "mv1"]
    mv2_lines = [ln for ln in spec.lines if ln.set_id == "mv2"]
    # mv1: two three-stage lines (the second ends in an ability creature), two two-stage lines.
    add_line(mv1_lines[0], ex_final=False, ability_final=False)
    add_line(mv1_lines[1], ex_final=False, ability_final=True)
    add_line(mv1_lines[2], ex_final=False, ability_final=False)
    add_line(mv1_lines[3], ex_final=False, ability_final=False)
    first, second = (s for s in spec.singles if s.set_id == "mv1")
    per_set["mv1"].append(
        factory.creature("mv1", first.name, Stage.BASIC, first.hp, "single", lore=first.lore)
    )
    per_set["mv1"].append(
        factory.creature(
            "mv1",
            second.name,
            Stage.BASIC,
            second.hp,
            "single_ability",
            with_ability=True,
            lore=second.lore,
        )
    )
    star = mv1_lines[0]
    per_set["mv1"].append(
        factory.creature(
            "mv1",
            star.names[-1],
            Stage.STAGE_2,
            star.hps[-1] + EX_HP_BONUS["stage_2"],
            "stage_2_ex",
            evolves_from=star.names[-2],
            ex=True,
        )
    )

    # mv2: a new three-stage line ending in an ex, a two-stage line, a single with its ex,
    # and new prints of the first mv1 line's basic and stage 1 (same names, new attacks).
    add_line(mv2_lines[0], ex_final=True, ability_final=False)
    add_line(mv2_lines[1], ex_final=False, ability_final=False)
    (third,) = (s for s in spec.singles if s.set_id == "mv2")
    per_set["mv2"].append(
        factory.creature("mv2", third.name, Stage.BASIC, third.hp, "single", lore=third.lore)
    )
    per_set["mv2"].append(
        factory.creature(
            "mv2", third.name, Stage.BASIC, third.hp + EX_HP_BONUS["basic"], "basic_ex", ex=True
        )
    )
    per_set["mv2"].append(
        factory.creature(
            "mv2",
            star.names[0],
            Stage.BASIC,
            star.hps[0] + 10,
            "reprint_basic",
            lore=star.lore[0],
        )
    )
    per_set["mv2"].append(
        factory.creature(
            "mv2",
            star.names[1],
            Stage.STAGE_1,
            star.hps[1] + 10,
            "reprint_stage_1",
            evolves_from=star.names[0],
            lore=star.lore[1],
        )
    )
    return per_set


# ------------------------------------------------------------------- trainers

# (set, subtype, name, rarity, text, typed effect fields of TrainerCard)
TRAINERS: list[tuple[str, TrainerSubtype, str, Rarity, str, Fields]] = []


def trainer(
    set_id: str,
    subtype: TrainerSubtype,
    name: str,
    text: str,
    fields: Fields,
    rarity: Rarity | None = None,
) -> None:
    default = Rarity.COMMON if subtype is TrainerSubtype.ITEM else Rarity.UNCOMMON
    TRAINERS.append((set_id, subtype, name, rarity or default, text, fields))


def items(*steps: Fields, requires: list[Fields] | None = None) -> Fields:
    """Fields of an item or supporter: steps run when played, conditions to play it."""
    return {"effects": list(steps)} | ({"requires": requires} if requires else {})


def tool(*modifiers: Fields, triggers: list[Fields] | None = None) -> Fields:
    """Fields of a tool: modifiers for its holder and triggers."""
    return {"modifiers": list(modifiers), "triggers": triggers or []}


stadium = tool


def cards(*card_types: str, **more: list[str]) -> Fields:
    """A card filter: card types, then stages / trainer_subtypes / energy_kinds."""
    return {"card_types": list(card_types)} | more


IT, S, T, ST = (
    TrainerSubtype.ITEM,
    TrainerSubtype.SUPPORTER,
    TrainerSubtype.TOOL,
    TrainerSubtype.STADIUM,
)

# mv1 items
trainer(
    "mv1",
    IT,
    "Trail Ration",
    "Heal 30 damage from 1 of your creatures.",
    items(st("heal", target=choose("own", "in_play", damaged=True), amount=amt(30))),
)
trainer(
    "mv1",
    IT,
    "Scout Whistle",
    "Search your deck for a basic creature and put it onto your bench. Then, shuffle your deck.",
    items(st("search_deck", filter=cards("creature", stages=["basic"]), to="bench")),
)
trainer(
    "mv1",
    IT,
    "Lucky Compass",
    "Look at the top 4 cards of your deck. Put 1 of them into your hand and shuffle the rest "
    "back into your deck.",
    items(st("look_top", count=4, pick=1, must_pick=True, rest="shuffle")),
)
trainer(
    "mv1",
    IT,
    "Tangle Net",
    "Flip a coin. If heads, switch in 1 of your opponent's benched creatures to the Active Spot.",
    items(
        st("coin_flip", on_heads=[st("switch", side="opponent")]),
        requires=[in_play("opponent", "bench")],
    ),
)
trainer(
    "mv1",
    IT,
    "Swap Rope",
    "Switch your Active creature with 1 of your benched creatures.",
    items(st("switch", side="own"), requires=[in_play("own", "bench")]),
)
trainer(
    "mv1",
    IT,
    "Sprouting Elixir",
    "Choose 1 of your basic creatures in play. If you have a stage 2 card in your hand that "
    "evolves from it through a stage 1, put that card onto the basic creature to evolve it, "
    "skipping the stage 1. You can't use this card during your first turn or on a creature "
    "that was put into play this turn.",
    items(
        st(
            "evolve_from_hand",
            target=choose("own", "in_play", stages=["basic"], played_this_turn=False),
        ),
        requires=[
            st("not_first_turn"),
            in_play("own", "in_play", stages=["basic"], played_this_turn=False),
        ],
    ),
    rarity=Rarity.UNCOMMON,
)
trainer(
    "mv1",
    IT,
    "Recall Satchel",
    "Put up to 2 creature cards from your discard pile into your hand.",
    items(st("recover_from_discard", filter=cards("creature"), count=2)),
)
trainer(
    "mv1",
    IT,
    "Energy Scoop",
    "Put up to 2 basic Energy cards from your discard pile into your hand.",
    items(st("recover_from_discard", filter=cards("energy", energy_kinds=["basic"]), count=2)),
)
trainer(
    "mv1",
    IT,
    "Signal Flare",
    "Search your deck for a stage 1 or stage 2 creature card, reveal it, and put it into your "
    "hand. Then, shuffle your deck.",
    items(st("search_deck", filter=cards("creature", stages=["stage_1", "stage_2"]))),
)
trainer(
    "mv1",
    IT,
    "Mender's Kit",
    "Heal 60 damage from 1 of your creatures that has any Energy attached. Then, discard an "
    "Energy from it.",
    items(
        st("heal", target=choose("own", "in_play", damaged=True, has_energy=True), amount=amt(60)),
        st("discard_energy", target=SAME),
        requires=[in_play("own", "in_play", damaged=True, has_energy=True)],
    ),
)
trainer(
    "mv1",
    IT,
    "Tumble Dice",
    "Flip 2 coins. Draw a card for each heads.",
    items(st("coin_flip", count=2), st("draw", count=per("heads", 1, 2))),
)
trainer(
    "mv1",
    IT,
    "Smoke Pellet",
    "During this turn, the retreat cost of your Active creature is 0.",
    items(
        st(
            "add_lasting",
            modifier=st("free_retreat", scope=scope("own_active")),
            duration="this_turn",
        )
    ),
)
trainer(
    "mv1",
    IT,
    "Field Lens",
    "Look at your opponent's hand.",
    items(st("reveal_hand", player="opponent")),
)
trainer(
    "mv1",
    IT,
    "Rally Horn",
    "Draw a card. If you have no creatures on your bench, draw 2 more cards.",
    items(draw(1), draw(2) | {"condition": st("own_bench_empty")}),
)
# mv1 tools
trainer(
    "mv1",
    T,
    "Sturdy Pauldron",
    "The creature this card is attached to gets +20 HP.",
    tool(st("hp", amount=20)),
)
trainer(
    "mv1",
    T,
    "Thorn Collar",
    "If the creature this card is attached to is in the Active Spot and is damaged by an "
    "attack, the attacking creature takes 20 damage.",
    tool(
        triggers=[
            on(
                "on_damaged_by_attack",
                st("damage", target=ATTACKER, amount=amt(20)),
                condition=WHILE_ACTIVE,
            )
        ]
    ),
)
trainer(
    "mv1",
    T,
    "Feather Charm",
    "The retreat cost of the creature this card is attached to is 1 less.",
    tool(st("retreat_cost", amount=-1)),
)
trainer(
    "mv1",
    T,
    "Power Bangle",
    "Attacks of the creature this card is attached to do 10 more damage to your opponent's "
    "Active creature (before applying weakness and resistance).",
    tool(st("damage_dealt", amount=10)),
)
trainer(
    "mv1",
    T,
    "Amber Amulet",
    "The creature this card is attached to takes 10 less damage from attacks (after applying "
    "weakness and resistance).",
    tool(st("damage_taken", amount=-10)),
)
trainer(
    "mv1",
    T,
    "Homing Bell",
    "When the creature this card is attached to is knocked out, put that creature card into "
    "your hand instead of the discard pile. Discard all other attached cards.",
    tool(triggers=[on("on_knocked_out", st("return_to_hand", target=SOURCE, attached="discard"))]),
)
# mv1 supporters
trainer("mv1", S, "Archivist Penrose", "Draw 3 cards.", items(draw(3)))
trainer(
    "mv1",
    S,
    "Coach Tamsin",
    "Shuffle your hand into your deck. Then, draw 6 cards.",
    items(st("shuffle_hand_and_draw", player="own", count=6)),
)
trainer(
    "mv1",
    S,
    "Ranger Bexley",
    "Search your deck for up to 2 creature cards, reveal them, and put them into your hand. "
    "Then, shuffle your deck.",
    items(st("search_deck", filter=cards("creature"), count=2)),
)
trainer(
    "mv1",
    S,
    "Grove Keeper Ilsa",
    "Heal 30 damage from each of your creatures.",
    items(st("heal", target=every("own", "in_play"), amount=amt(30))),
)
trainer(
    "mv1",
    S,
    "Tinker Odo",
    "Move an Energy from 1 of your benched creatures to your Active creature.",
    items(
        st(
            "move_energy",
            from_creature=choose("own", "bench", has_energy=True),
            to_creature=OWN_ACTIVE,
        ),
        requires=[in_play("own", "bench", has_energy=True)],
    ),
)
trainer(
    "mv1",
    S,
    "Scholar Yune",
    "Look at the top 5 cards of your deck. Put 2 of them into your hand and the rest on the "
    "bottom of your deck in any order.",
    items(st("look_top", count=5, pick=2, must_pick=True, rest="bottom")),
)
trainer(
    "mv1",
    S,
    "Merchant Calla",
    "Discard up to 2 cards from your hand. Then, draw cards until you have 6 cards in your hand.",
    items(st("put_from_hand", min_count=0, max_count=2), st("draw_to_hand_size", size=6)),
)
trainer(
    "mv1",
    S,
    "Forge Master Hakon",
    "During this turn, attacks used by your creatures do 20 more damage to your opponent's "
    "Active creature (before applying weakness and resistance).",
    items(
        st(
            "add_lasting",
            modifier=st("damage_dealt", amount=20, scope=scope("all_own")),
            duration="this_turn",
        )
    ),
)
trainer(
    "mv1",
    S,
    "Stargazer Liri",
    "Your opponent shuffles their hand into their deck and draws 4 cards. Then, you draw 2 cards.",
    items(st("shuffle_hand_and_draw", player="opponent", count=4), draw(2)),
)
trainer(
    "mv1",
    S,
    "Trapper Vesna",
    "Switch in 1 of your opponent's benched creatures to the Active Spot.",
    items(st("switch", side="opponent"), requires=[in_play("opponent", "bench")]),
)
# mv1 stadiums
trainer(
    "mv1",
    ST,
    "Mossy Amphitheater",
    "Once during each player's turn, that player may heal 10 damage from their Active Grass "
    "creature.",
    stadium(
        triggers=[
            activated(
                st("heal", target=every("own", "active", element=G), amount=amt(10)),
                condition=in_play("own", "active", element=G, damaged=True),
            )
        ]
    ),
)
trainer(
    "mv1",
    ST,
    "Ember Quarry",
    "Attacks used by Fire creatures do 10 more damage to the opponent's Active creature (before "
    "applying weakness and resistance).",
    stadium(st("damage_dealt", amount=10, scope=scope("all_in_play", R))),
)
trainer(
    "mv1",
    ST,
    "Moonlit Shrine",
    "Psychic creatures in play have no retreat cost.",
    stadium(st("free_retreat", scope=scope("all_in_play", P))),
)
trainer(
    "mv1",
    ST,
    "Rusted Foundry",
    "Each Metal creature in play gets +20 HP.",
    stadium(st("hp", amount=20, scope=scope("all_in_play", M))),
)
trainer(
    "mv1",
    ST,
    "Festival Plaza",
    "Once during each player's turn, that player may draw a card and then discard a card from "
    "their hand.",
    stadium(triggers=[activated(draw(1), st("put_from_hand"))]),
)
# mv2 items
trainer(
    "mv2",
    IT,
    "Tide Chart",
    "Look at the top 6 cards of your deck. You may reveal a basic creature you find there and "
    "put it into your hand. Shuffle the other cards back into your deck.",
    items(
        st("look_top", count=6, pick=1, filter=cards("creature", stages=["basic"]), rest="shuffle")
    ),
)
trainer(
    "mv2",
    IT,
    "Storm Bottle",
    "Attach a basic Lightning Energy from your discard pile to 1 of your Lightning creatures.",
    items(
        st("attach_energy", energy=basic_energy(L), target=choose("own", "in_play", element=L)),
        requires=[in_play("own", "in_play", element=L)],
    ),
)
trainer(
    "mv2",
    IT,
    "Glass Beacon",
    "Search your deck for a Stadium card, reveal it, and put it into your hand. Then, shuffle "
    "your deck.",
    items(st("search_deck", filter=cards("trainer", trainer_subtypes=["stadium"]))),
)
trainer(
    "mv2",
    IT,
    "Salvage Hook",
    "Put a Tool card from your discard pile into your hand.",
    items(st("recover_from_discard", filter=cards("trainer", trainer_subtypes=["tool"]))),
)
trainer(
    "mv2",
    IT,
    "Rain Barrel",
    "Heal 20 damage from each of your Water creatures.",
    items(st("heal", target=every("own", "in_play", element=W), amount=amt(20))),
)
trainer(
    "mv2",
    IT,
    "Flint Striker",
    "Attach a basic Fire Energy from your discard pile to your Active Fire creature. It takes "
    "20 damage.",
    items(
        st("attach_energy", energy=basic_energy(R), target=every("own", "active", element=R)),
        st("damage", target=SAME, amount=amt(20)),
        requires=[in_play("own", "active", element=R)],
    ),
)
trainer(
    "mv2",
    IT,
    "Driftwood Raft",
    "Switch your Active creature with 1 of your benched creatures. If the new Active creature "
    "is a basic creature, heal 10 damage from it.",
    items(
        st("switch", side="own"),
        st("heal", target=every("own", "active", stages=["basic"]), amount=amt(10)),
        requires=[in_play("own", "bench")],
    ),
)
trainer(
    "mv2",
    IT,
    "Pearl Pouch",
    "Shuffle up to 3 cards from your discard pile into your deck.",
    items(st("recover_from_discard", count=3, to="deck")),
)
trainer(
    "mv2",
    IT,
    "Barometer",
    "Flip a coin. If heads, discard the Stadium in play.",
    items(st("coin_flip", on_heads=[st("discard_stadium")])),
)
trainer(
    "mv2",
    IT,
    "Message Bottle",
    "Search your deck for a Supporter card, reveal it, and put it into your hand. Then, shuffle "
    "your deck and discard a card from your hand.",
    items(
        st("search_deck", filter=cards("trainer", trainer_subtypes=["supporter"])),
        st("put_from_hand"),
    ),
    rarity=Rarity.UNCOMMON,
)
trainer(
    "mv2",
    IT,
    "Spyglass",
    "Look at the top 3 cards of your opponent's deck and put them back in any order.",
    items(st("arrange_top", player="opponent", count=3)),
)
trainer(
    "mv2",
    IT,
    "Conch Horn",
    "Your opponent switches their Active creature with 1 of their benched creatures.",
    items(
        st("switch", side="opponent", chooser="opponent"), requires=[in_play("opponent", "bench")]
    ),
)
# mv2 tools
trainer(
    "mv2",
    T,
    "Coral Charm",
    "The creature this card is attached to has no weakness.",
    tool(st("no_weakness")),
)
trainer(
    "mv2",
    T,
    "Stormglass Lens",
    "Attacks of the creature this card is attached to do 30 more damage to your opponent's "
    "Active ex creature (before applying weakness and resistance).",
    tool(st("damage_dealt", amount=30, vs_ex=True)),
)
trainer(
    "mv2",
    T,
    "Anchor Chain",
    "The creature this card is attached to can't be switched out or moved to the bench by "
    "effects of your opponent's attacks or cards.",
    tool(st("prevent_forced_switch")),
)
trainer(
    "mv2",
    T,
    "Sea-Salt Band",
    "At the end of each of your turns, heal 10 damage from the creature this card is attached to.",
    tool(triggers=[on("end_of_turn", st("heal", target=SOURCE, amount=amt(10)))]),
)
trainer(
    "mv2",
    T,
    "Barnacle Plate",
    "The creature this card is attached to takes 30 less damage from attacks (after applying "
    "weakness and resistance), and its retreat cost is 2 more.",
    tool(st("damage_taken", amount=-30), st("retreat_cost", amount=2)),
)
# mv2 supporters
trainer(
    "mv2",
    S,
    "Harbor Master Ines",
    "Draw cards until you have 5 cards in your hand.",
    items(st("draw_to_hand_size", size=5)),
)
trainer(
    "mv2",
    S,
    "Diver Kalo",
    "Put up to 3 creature cards and basic Energy cards, in any combination, from your discard "
    "pile into your hand.",
    items(
        st(
            "recover_from_discard",
            filter=cards("creature", "energy", energy_kinds=["basic"]),
            count=3,
        )
    ),
)
trainer(
    "mv2",
    S,
    "Storm Chaser Rue",
    "Attach a basic Lightning Energy from your discard pile to each of up to 2 of your benched "
    "Lightning creatures.",
    items(
        st(
            "attach_energy",
            energy=basic_energy(L),
            count=1,
            target=choose("own", "bench", 2, up_to=True, element=L),
        )
    ),
)
trainer(
    "mv2",
    S,
    "Lighthouse Keeper Abe",
    "Heal 60 damage from 1 of your creatures and remove all Special Conditions from it.",
    items(st("heal", target=choose("own", "in_play"), amount=amt(60), cure=True)),
)
trainer(
    "mv2",
    S,
    "Glassblower Mira",
    "Search your deck for an Item card and a Tool card, reveal them, and put them into your "
    "hand. Then, shuffle your deck.",
    items(
        st("search_deck", filter=cards("trainer", trainer_subtypes=["item"])),
        st("search_deck", filter=cards("trainer", trainer_subtypes=["tool"])),
    ),
)
trainer(
    "mv2",
    S,
    "Navigator Sol",
    "Switch in 1 of your opponent's benched creatures to the Active Spot. Then, you may switch "
    "your Active creature with 1 of your benched creatures.",
    items(
        st("switch", side="opponent"),
        st("switch", side="own", optional=True),
        requires=[in_play("opponent", "bench")],
    ),
)
trainer(
    "mv2",
    S,
    "Tidewatcher Yara",
    "During your opponent's next turn, all of your creatures take 20 less damage from attacks "
    "(after applying weakness and resistance).",
    items(
        st(
            "add_lasting",
            modifier=st("damage_taken", amount=-20, scope=scope("all_own")),
            duration="opponent_next_turn",
        )
    ),
)
trainer(
    "mv2",
    S,
    "Ferryman Oskar",
    "Put 1 of your benched creatures and all cards attached to it into your hand.",
    items(st("return_to_hand", target=choose("own", "bench")), requires=[in_play("own", "bench")]),
)
trainer(
    "mv2",
    S,
    "Courier Fenn",
    "Switch your Active creature with 1 of your benched creatures. Then, draw a card.",
    items(st("switch", side="own"), draw(1)),
)
# mv2 stadiums
trainer(
    "mv2",
    ST,
    "Old Lighthouse",
    "Once during each player's turn, that player may look at the top card of their deck.",
    stadium(triggers=[activated(st("arrange_top", player="own", count=1))]),
)
trainer(
    "mv2",
    ST,
    "Sunken Arena",
    "The attacks of Water creatures cost 1 Colorless Energy less.",
    stadium(st("attack_cost", amount=-1, energy="colorless", scope=scope("all_in_play", W))),
)
trainer(
    "mv2",
    ST,
    "Thunder Plateau",
    "Lightning creatures in play take 10 less damage from attacks (after applying weakness and "
    "resistance).",
    stadium(st("damage_taken", amount=-10, scope=scope("all_in_play", L))),
)
trainer(
    "mv2",
    ST,
    "Tidal Market",
    "Once during each player's turn, that player may put a card from their hand on the bottom "
    "of their deck and draw a card.",
    stadium(triggers=[activated(st("put_from_hand", to="deck_bottom"), draw(1))]),
)
trainer(
    "mv2",
    ST,
    "Glasswind Dunes",
    "Attacks used by Fighting creatures do 10 more damage to the opponent's Active ex creature "
    "(before applying weakness and resistance).",
    stadium(st("damage_dealt", amount=10, vs_ex=True, scope=scope("all_in_play", F))),
)

# ------------------------------------------------------------- special energy

# (set, name, energy_type, provides, text, typed effect fields of EnergyCard)
SPECIAL_ENERGY: list[tuple[str, str, EnergyType, tuple[EnergyType, ...], str, Fields]] = [
    (
        "mv1",
        "Twin Core Energy",
        C,
        (C, C),
        "This card provides 2 Colorless Energy. It can be attached only to a stage 1 or stage 2 "
        "creature; discard it if it is attached to anything else.",
        {"attach_requirement": flt(stages=["stage_1", "stage_2"])},
    ),
    (
        "mv1",
        "Kaleido Energy",
        C,
        (C,),
        "While attached to a creature, this card provides 1 Energy of every type, but only 1 at a "
        "time. When you attach it from your hand, put 1 damage counter on that creature.",
        {
            "provides_any_type": True,
            "triggers": [on("on_attach", st("place_counters", target=SOURCE, count=1))],
        },
    ),
    (
        "mv1",
        "Mending Energy",
        C,
        (C,),
        "At the end of each of your turns, heal 10 damage from the creature this card is "
        "attached to.",
        {"triggers": [on("end_of_turn", st("heal", target=SOURCE, amount=amt(10)))]},
    ),
    (
        "mv2",
        "Tidecall Energy",
        W,
        (W,),
        "When you attach this card from your hand to a Water creature, draw a card.",
        {"triggers": [on("on_attach", draw(1), source_filter=flt(element=W))]},
    ),
    (
        "mv2",
        "Surge Energy",
        L,
        (L,),
        "Attacks of the Lightning creature this card is attached to do 10 more damage to your "
        "opponent's Active creature (before applying weakness and resistance).",
        {"modifiers": [st("damage_dealt", amount=10, scope=scope("holder", L))]},
    ),
    (
        "mv2",
        "Anchor Energy",
        M,
        (M,),
        "The creature this card is attached to has no retreat cost while it is in the Active Spot.",
        {"modifiers": [st("free_retreat", condition=WHILE_ACTIVE)]},
    ),
]

# ---------------------------------------------------------------- reprints

# Higher-rarity reprints (alternate or full art) of cards in the same set, by name.
# Real sets print these after the regular cards; they share the name, hence the copy limit.
REPRINTS: dict[str, list[tuple[str, Rarity]]] = {
    "mv1": [
        *[
            (n, Rarity.ART_RARE)
            for n in (
                "Mossnip",
                "Podhopper",
                "Thistlepup",
                "Cindercub",
                "Wickmoth",
                "Brazierbat",
                "Driplet",
                "Brookhound",
                "Saltsnapper",
                "Zapkit",
                "Amperbear",
                "Ohmling",
                "Mindle",
                "Reverie",
                "Tarotoad",
                "Pebblit",
                "Brawlhound",
                "Fossilump",
                "Nightnib",
                "Ravenshroud",
                "Grudgeling",
                "Rivetpup",
                "Cogwyrm",
                "Ingotoise",
                "Pipwing",
                "Thumpkin",
                "Scrapdove",
            )
        ],
        *[
            (n, Rarity.SUPER_RARE)
            for n in (
                "Verdantusk ex",
                "Blazemane ex",
                "Maelstryx ex",
                "Thundrix ex",
                "Psionova ex",
                "Titanodon ex",
                "Umbralynx ex",
                "Bastiron ex",
                "Zephyrion ex",
            )
        ],
        *[
            (n, Rarity.SPECIAL_ART_RARE)
            for n in (
                "Archivist Penrose",
                "Coach Tamsin",
                "Ranger Bexley",
                "Stargazer Liri",
                "Blazemane ex",
                "Psionova ex",
            )
        ],
        ("Maelstryx ex", Rarity.IMMERSIVE_RARE),
        ("Thundrix ex", Rarity.IMMERSIVE_RARE),
        ("Blazemane ex", Rarity.CROWN_RARE),
    ],
    "mv2": [
        *[
            (n, Rarity.ART_RARE)
            for n in (
                "Sapkit",
                "Lichenlord",
                "Kindlekit",
                "Smeltserpent",
                "Bubblotl",
                "Kelpwarden",
                "Buzzwire",
                "Surgewick",
                "Wispurr",
                "Seraphleece",
                "Sandnib",
                "Terragrip",
                "Hushbat",
                "Slickshade",
                "Nickelet",
                "Carillonox",
                "Woolet",
                "Mimicorn",
            )
        ],
        *[
            (n, Rarity.SUPER_RARE)
            for n in (
                "Amberpine ex",
                "Infernix ex",
                "Abyssaur ex",
                "Overvolt ex",
                "Eclipsoth ex",
                "Mesaquake ex",
                "Nocturnyx ex",
                "Aegisaur ex",
                "Grandfleece ex",
            )
        ],
        *[
            (n, Rarity.SPECIAL_ART_RARE)
            for n in (
                "Harbor Master Ines",
                "Storm Chaser Rue",
                "Tidewatcher Yara",
                "Navigator Sol",
                "Vinewyrm ex",
                "Volcanyx ex",
                "Skyvolt ex",
                "Mirrage ex",
                "Obsidrake ex",
            )
        ],
        ("Abyssaur ex", Rarity.IMMERSIVE_RARE),
        ("Eclipsoth ex", Rarity.IMMERSIVE_RARE),
        ("Nocturnyx ex", Rarity.IMMERSIVE_RARE),
        ("Leviarch ex", Rarity.CROWN_RARE),
    ],
}

# ------------------------------------------------------------------- assembly


def illustrator(set_index: int, number: int) -> str:
    return ILLUSTRATORS[(number * 7 + set_index * 5) % len(ILLUSTRATORS)]


def build_sets() -> dict[str, list[CardDefinition]]:
    creatures: dict[str, list[Draft]] = {s["id"]: [] for s in SETS}
    for element in ELEMENTS:
        for set_id, drafts in creature_drafts(element).items():
            creatures[set_id].extend(drafts)

    result: dict[str, list[CardDefinition]] = {}
    for set_index, set_meta in enumerate(SETS):
        set_id = set_meta["id"]
        regular: list[tuple[str, dict[str, Any]]] = [
            ("creature", draft.fields) for draft in creatures[set_id]
        ]
        order = {IT: 0, T: 1, S: 2, ST: 3}
        for s_id, subtype, name, rarity, text, effect_fields in sorted(
            (t for t in TRAINERS if t[0] == set_id), key=lambda t: (order[t[1]], t[2])
        ):
            assert s_id == set_id
            regular.append(
                (
                    "trainer",
                    {
                        "name": name,
                        "trainer_subtype": subtype,
                        "rarity": rarity,
                        "text": text,
                    }
                    | effect_fields,
                )
            )
        for s_id, name, energy_type, provides, text, effect_fields in SPECIAL_ENERGY:
            if s_id == set_id:
                regular.append(
                    (
                        "energy",
                        {
                            "name": name,
                            "energy_type": energy_type,
                            "energy_kind": EnergyKind.SPECIAL,
                            "provides": provides,
                            "rarity": Rarity.UNCOMMON,
                            "text": text,
                        }
                        | effect_fields,
                    )
                )
        if set_index == 0:
            for energy_type in ELEMENTS:
                if energy_type is C:
                    continue
                regular.append(
                    (
                        "energy",
                        {
                            "name": f"{type_name(energy_type)} Energy",
                            "energy_type": energy_type,
                            "energy_kind": EnergyKind.BASIC,
                            "provides": (energy_type,),
                            "rarity": Rarity.COMMON,
                        },
                    )
                )

        cards: list[CardDefinition] = []
        for number, (kind, fields_) in enumerate(regular, start=1):
            cards.append(make_card(kind, fields_, set_id, illustrator(set_index, number), number))

        by_name = {card.name: card for card in cards}
        reprints = sorted(REPRINTS[set_id], key=lambda r: (r[1].rank, by_name[r[0]].number))
        for offset, (name, rarity) in enumerate(reprints, start=len(cards) + 1):
            original = by_name[name]
            data = CARD_DEFINITION_ADAPTER.dump_python(original, mode="python")
            kind = data.pop("card_type").value
            for key in ("id", "set_id", "number", "illustrator", "image_path"):
                data.pop(key)
            data["rarity"] = rarity
            artist = illustrator(set_index, offset)
            if artist == original.illustrator:  # an alternate art is a new artist's take
                artist = ILLUSTRATORS[(ILLUSTRATORS.index(artist) + 1) % len(ILLUSTRATORS)]
            cards.append(make_card(kind, data, set_id, artist, offset))
        result[set_id] = cards
    return result


def make_card(
    kind: str,
    fields_: dict[str, Any],
    set_id: str,
    artist: str,
    number: int,
) -> CardDefinition:
    data = dict(fields_)
    data.update(
        {
            "card_type": kind,
            "id": f"{set_id}-{number:03d}",
            "set_id": set_id,
            "number": number,
            "illustrator": artist,
            "image_path": f"cards/{set_id}/{number:03d}.webp",
        }
    )
    return CARD_DEFINITION_ADAPTER.validate_python(data)


def card_json(card: CardDefinition) -> dict[str, Any]:
    """Card as stored: identity first, defaults and empty values left out for readability."""
    data = CARD_DEFINITION_ADAPTER.dump_python(card, mode="json", exclude_defaults=True)
    head = {"id": card.id, "name": card.name, "card_type": card.card_type.value}
    rest = {k: v for k, v in data.items() if k not in head and v not in (None, [], {})}
    for attack in rest.get("attacks", []):
        for key in [k for k, v in attack.items() if v in (None, [], {})]:
            del attack[key]
    for ability in rest.get("abilities", []):
        for key in [k for k, v in ability.items() if v in (None, [], {})]:
            del ability[key]
    return head | rest


# ---------------------------------------------------------------- starter decks

STARTERS: list[tuple[EnergyType, str, str]] = [
    (G, "Verdant Vanguard", "Grow a sturdy line of grass creatures and outlast every rush."),
    (R, "Ember Onslaught", "Hit hard and early with fire creatures that trade energy for power."),
    (W, "Tidal Guard", "Spread damage across the bench and wear your opponent down."),
    (P, "Dream Weavers", "Confuse, snipe and switch: win the psychic game before the fight."),
    (L, "Storm Chargers", "Paralyze the Active creature while your storm charges up."),
]
STARTER_TRAINERS = [
    ("Scout Whistle", 2),
    ("Lucky Compass", 2),
    ("Trail Ration", 2),
    ("Swap Rope", 2),
    ("Sprouting Elixir", 1),
    ("Archivist Penrose", 2),
    ("Ranger Bexley", 2),
    ("Coach Tamsin", 2),
]


def build_starters(cards: list[CardDefinition]) -> list[StarterDeck]:
    """Starter decks from mv1 regular cards only, so every one can be opened from the first set."""
    mv1 = [c for c in cards if c.set_id == "mv1" and c.rarity.rank <= Rarity.DOUBLE_RARE.rank]
    first_by_name: dict[str, CardDefinition] = {}
    for card in mv1:
        first_by_name.setdefault(card.name, card)
    decks: list[StarterDeck] = []
    for element, deck_name, description in STARTERS:
        spec = SPECS[element]
        l1, l2, l3, _ = (ln for ln in spec.lines if ln.set_id == "mv1")
        single = next(s for s in spec.singles if s.set_id == "mv1")
        picks: list[tuple[str, int]] = [
            (l1.names[0], 4),
            (l1.names[1], 3),
            (l1.names[2], 1),
            (f"{l1.names[2]} ex", 1),
            (l2.names[0], 4),
            (l2.names[1], 3),
            (l2.names[2], 2),
            (l3.names[0], 3),
            (l3.names[1], 2),
            (single.name, 2),
            *STARTER_TRAINERS,
        ]
        main = {first_by_name[name].id: count for name, count in picks}
        energy = first_by_name[f"{type_name(element)} Energy"].id
        decks.append(
            StarterDeck(
                starter_type=element.value,
                name=deck_name,
                description=description,
                element=element,
                cards=main,
                energy_cards={energy: 20},
            )
        )
    return decks


# ----------------------------------------------------------------------- output


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(out: Path) -> dict[Path, str]:
    sets = build_sets()
    total = sum(len(cards) for cards in sets.values())
    if total != EXPECTED_TOTAL:
        raise SystemExit(f"catalog has {total} cards, expected {EXPECTED_TOTAL}")
    files: dict[Path, str] = {}
    index = {
        "sets": [
            {
                "id": meta["id"],
                "name": meta["name"],
                "card_count": len(sets[meta["id"]]),
                "release_date": meta["release_date"],
                "file": f"{meta['id']}.json",
            }
            for meta in SETS
        ]
    }
    cards_dir = out / "cards"
    files[cards_dir / "_index.json"] = dump(index)
    for set_id, cards in sets.items():
        files[cards_dir / f"{set_id}.json"] = dump(
            {"set_id": set_id, "cards": [card_json(card) for card in cards]}
        )
    all_cards = [card for cards in sets.values() for card in cards]
    for deck in build_starters(all_cards):
        files[out / "decks" / f"{deck.starter_type}.json"] = dump(deck.model_dump(mode="json"))
    return files


def verify(out: Path) -> Iterator[str]:
    """Load what was written through the real service and validate the starter decks."""
    from app.services.card_service import CardService
    from app.services.deck_validation import load_starter_decks, validate_deck

    service = CardService.load(out / "cards")
    rules = RulesConfig()
    for deck in load_starter_decks(out / "decks").values():
        result = validate_deck(deck.cards, deck.energy_cards, rules, service)
        if not result.is_valid:
            yield f"starter deck {deck.starter_type}: {result.validation_errors}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO / "data", help="data directory")
    parser.add_argument("--check", action="store_true", help="fail if the files are out of date")
    args = parser.parse_args()
    files = render(args.out)
    if args.check:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
        for path in stale:
            print(f"out of date: {path}")
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    problems = list(verify(args.out))
    for problem in problems:
        print(problem)
    print(f"wrote {len(files)} files to {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
