"""Published names, terms and sentences our catalog must not contain.

``data/design/forbidden.json`` lists what belongs to other games: card, creature
and move names (matched as whole words in card, attack and ability names), published
creature names (a creature's name, Apex aside, must be more than ``edit_distance``
edits from each: Crowlet was one letter from Rowlet), our own
earlier names retired because they copied or echoed a published card (matched the
same way, so a retired copy cannot come back under its old name), name suffixes
(`` ex``, `` V``...), terms (``Pokémon``, ``Active Spot``... in every name and
text but flavor text), published rules sentences and our own retired texts (v1 texts the issue 21
audit found copied, so they cannot come back lightly edited). A sentence is
matched after normalising both sides (lowercase, punctuation dropped, every
number masked, plurals of "creature" folded) *and mapping our own terms back to
theirs* (``Front creature`` -> ``active creature``, ``Apex`` -> ``ex``...): a
copied sentence with only the nouns or the numbers swapped is still caught. A
lightly edited copy of a whole published sentence is caught too: the text is cut
into clauses at its punctuation, every run of consecutive clauses is compared
with the sentence by `difflib.SequenceMatcher`, and a ratio of
``similarity.ratio`` or more is a finding. Fragments (no closing full stop) and
sentences shorter than ``similarity.min_words`` words are matched exactly only:
on their own they are common rules grammar, not a copy.

Pure: `check_originality` takes the cards and the loaded list and returns
`Finding` s (card id, ``originality``, the field and the forbidden item).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from app.catalog.design import Finding
from app.core.cards import CardDefinition, CreatureCard, EnergyCard, TrainerCard

DEFAULT_FORBIDDEN = Path(__file__).resolve().parents[2] / "data" / "design" / "forbidden.json"
"""Where the bundled list lives."""


class Normalize(BaseModel):
    """How texts are normalised before sentences are compared."""

    model_config = ConfigDict(extra="allow", frozen=True)

    replace_before: dict[str, str]


class Similarity(BaseModel):
    """How close a run of our words may come to a published sentence."""

    model_config = ConfigDict(extra="allow", frozen=True)

    ratio: float
    min_words: int

    def applies_to(self, sentence: str) -> bool:
        """Whether `sentence` is also matched fuzzily: a whole sentence of `min_words`+ words.

        A fragment (no closing full stop) is common rules grammar on its own and is
        matched exactly only.
        """
        return sentence.rstrip().endswith(".") and len(sentence.split()) >= self.min_words


class EditDistance(BaseModel):
    """How close (in edits) a creature name may come to a published creature name."""

    model_config = ConfigDict(extra="allow", frozen=True)

    max: int
    short_max: int
    short_below: int

    def too_close(self, ours: str, theirs: str) -> int | None:
        """The edit distance of the two names if it is too close, else None (case ignored)."""
        limit = self.max if len(ours) >= self.short_below else self.short_max
        distance = edit_distance(ours.lower(), theirs.lower(), limit)
        return distance if distance <= limit else None


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of `a` and `b`, or ``limit + 1`` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


class ForbiddenList(BaseModel):
    """``data/design/forbidden.json``; keys ending in ``_apply_to`` document the file."""

    model_config = ConfigDict(extra="allow", frozen=True)

    names: tuple[str, ...]
    retired_names: dict[str, str]
    name_suffixes: tuple[str, ...]
    terms: tuple[str, ...]
    terms_case_sensitive: tuple[str, ...]
    sentences: tuple[str, ...]
    retired_sentences: dict[str, str]
    creature_names: tuple[str, ...]
    edit_distance: EditDistance
    normalize: Normalize
    similarity: Similarity

    @classmethod
    def load(cls, path: Path = DEFAULT_FORBIDDEN) -> ForbiddenList:
        """Read and validate the list (pydantic's ValidationError if it is malformed)."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def normal(self, text: str) -> str:
        """`text` normalised as sentences are compared (see the module docstring)."""
        text = text.lower()
        for theirs, ours in self.normalize.replace_before.items():
            text = text.replace(theirs, ours)
        text = re.sub(r"[0-9]+", "#", text)
        text = re.sub(r"[^a-z# ]", " ", text)
        return re.sub(r"\s+", " ", text).strip()

    def clauses(self, text: str) -> list[str]:
        """`text` cut at every punctuation mark, each piece normalised (empty ones dropped)."""
        pieces = (self.normal(piece) for piece in re.split(r"[.,;:!?()]", text))
        return [piece for piece in pieces if piece]

    @cached_property
    def normal_sentences(self) -> tuple[tuple[str, str], ...]:
        """Each sentence with its normal form."""
        every = (*self.sentences, *self.retired_sentences)
        return tuple((s, self.normal(s)) for s in every)


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
        if isinstance(card, CreatureCard):
            base = card.name.removesuffix(" Apex")
            for published in forbidden.creature_names:
                distance = forbidden.edit_distance.too_close(base, published)
                if distance is not None:
                    hit("name", f"{distance} edit(s) from the published creature name", published)
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
            clauses = forbidden.clauses(text)
            for sentence, normal_sentence in forbidden.normal_sentences:
                what = "retired text" if sentence in forbidden.retired_sentences else "published"
                if normal_sentence in normal:
                    hit(field, f"{what} sentence", sentence)
                    continue
                if not forbidden.similarity.applies_to(sentence):
                    continue
                close = _closest_run(clauses, normal_sentence, forbidden.similarity)
                if close is not None:
                    ratio, run = close
                    hit(field, f"text {run!r} {ratio:.2f} similar to {what} sentence", sentence)
    return sorted(findings)


def _closest_run(
    clauses: Sequence[str], sentence: str, similar: Similarity
) -> tuple[float, str] | None:
    """The run of whole `clauses` most like `sentence`, if at least `similar.ratio` alike.

    All are normal forms; a run is one or more consecutive clauses, so an edited
    copy is caught whether it stands alone or sits inside a longer text.
    """
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(sentence)
    best: tuple[float, str] | None = None
    for start in range(len(clauses)):
        for end in range(start + 1, len(clauses) + 1):
            run = " ".join(clauses[start:end])
            matcher.set_seq1(run)
            if matcher.real_quick_ratio() < similar.ratio or matcher.quick_ratio() < similar.ratio:
                continue
            ratio = matcher.ratio()
            if ratio >= similar.ratio and (best is None or ratio > best[0]):
                best = (ratio, run)
    return best
