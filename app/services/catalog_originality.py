"""Published names, terms and sentences our catalog must not contain.

``data/design/forbidden.json`` lists what belongs to other games: card, creature
and move names (matched as whole words in card, attack and ability names), our own
earlier names retired because they copied or echoed a published card (matched the
same way, so a retired copy cannot come back under its old name), name suffixes
(`` ex``, `` V``...), terms (``Pokémon``, ``Active Spot``... in every name and
text but flavor text) and published rules sentences. A sentence is
matched after normalising both sides (lowercase, punctuation dropped, plurals
of "creature" folded) *and mapping our own terms back to theirs* (``Front
creature`` -> ``active creature``, ``Apex`` -> ``ex``...): a copied sentence
with only the nouns swapped is still caught.

Pure: `check_originality` takes the cards and the loaded list and returns
`Finding` s (card id, ``originality``, the field and the forbidden item).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from app.core.cards import CardDefinition, CreatureCard, EnergyCard, TrainerCard
from app.services.catalog_design import Finding

DEFAULT_FORBIDDEN = Path(__file__).resolve().parents[2] / "data" / "design" / "forbidden.json"
"""Where the bundled list lives."""


class Normalize(BaseModel):
    """How texts are normalised before sentences are compared."""

    model_config = ConfigDict(extra="allow", frozen=True)

    replace_before: dict[str, str]


class ForbiddenList(BaseModel):
    """``data/design/forbidden.json``; keys ending in ``_apply_to`` document the file."""

    model_config = ConfigDict(extra="allow", frozen=True)

    names: tuple[str, ...]
    retired_names: dict[str, str]
    name_suffixes: tuple[str, ...]
    terms: tuple[str, ...]
    terms_case_sensitive: tuple[str, ...]
    sentences: tuple[str, ...]
    normalize: Normalize

    @classmethod
    def load(cls, path: Path = DEFAULT_FORBIDDEN) -> ForbiddenList:
        """Read and validate the list (pydantic's ValidationError if it is malformed)."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def normal(self, text: str) -> str:
        """`text` normalised as sentences are compared (see the module docstring)."""
        text = text.lower()
        for theirs, ours in self.normalize.replace_before.items():
            text = text.replace(theirs, ours)
        text = re.sub(r"[^a-z0-9 ]", " ", text)
        return re.sub(r"\s+", " ", text).strip()

    @cached_property
    def normal_sentences(self) -> tuple[tuple[str, str], ...]:
        """Each sentence with its normal form."""
        return tuple((s, self.normal(s)) for s in self.sentences)


def _texts(card: CardDefinition) -> Iterator[tuple[str, str, bool]]:
    """(field, text, is a name) for every player-facing text but flavor text."""
    yield "name", card.name, True
    if isinstance(card, TrainerCard | EnergyCard) and card.text:
        yield "text", card.text, False
    if isinstance(card, CreatureCard):
        for attack in card.attacks:
            yield f"attack {attack.name!r} name", attack.name, True
            if attack.effect_text:
                yield f"attack {attack.name!r} text", attack.effect_text, False
        for ability in card.abilities:
            yield f"ability {ability.name!r} name", ability.name, True
            yield f"ability {ability.name!r} text", ability.text, False


def _has_word(text: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name.lower())}\b", text.lower()) is not None


def check_originality(cards: Sequence[CardDefinition], forbidden: ForbiddenList) -> list[Finding]:
    """Every forbidden name, suffix, term or sentence found in `cards`."""
    findings: list[Finding] = []
    for card in cards:

        def hit(field: str, what: str, item: str, card_id: str = card.id) -> None:
            findings.append(Finding(card_id, "originality", f"{field}: {what} {item!r}"))

        for suffix in forbidden.name_suffixes:
            if card.name.endswith(suffix):
                hit("name", "published name suffix", suffix)
        for field, text, is_name in _texts(card):
            if is_name:
                for name in forbidden.names:
                    if _has_word(text, name):
                        hit(field, "published name", name)
                for name in forbidden.retired_names:
                    if _has_word(text, name):
                        hit(field, "retired name", name)
            for term in forbidden.terms:
                if term.lower() in text.lower():
                    hit(field, "another game's term", term)
            for term in forbidden.terms_case_sensitive:
                if re.search(rf"\b{re.escape(term)}\b", text):
                    hit(field, "another game's term", term)
            normal = forbidden.normal(text)
            for sentence, normal_sentence in forbidden.normal_sentences:
                if normal_sentence in normal:
                    hit(field, "published sentence", sentence)
    return sorted(findings)
