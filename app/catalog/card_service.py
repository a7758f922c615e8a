"""The card catalog: loaded once from bundled JSON, then served from memory.

`CardService.load` reads ``_index.json`` and every set file it lists, validates
each card, checks the catalog as a whole (unique ids, evolution lines, set
counts, collector numbers 1..N in file order) and either returns a complete
service or raises one `CatalogLoadError` listing every problem found. There is
no half-loaded state.

Lookups and searches are synchronous and never touch the disk. Searches use
indexes built at load time (per type, set, rarity, element, stage, trainer
subtype, hp and name n-grams), so a filtered search costs the size of its
smallest matching index, not the size of the catalog.

One shared instance per process is reached through `get_card_service`, a
FastAPI-style dependency; `set_card_service` / `override_card_service` replace
it (tests, alternative catalogs) and `init_card_service` loads it eagerly at
start-up so a bad catalog stops the process before it serves anything.
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.core.cards import (
    CARD_DEFINITION_ADAPTER,
    CardDefinition,
    CardType,
    CreatureCard,
    EnergyType,
    Rarity,
    SetInfo,
    Stage,
    TrainerCard,
    TrainerSubtype,
)
from app.errors import MantimonError

INDEX_FILE = "_index.json"
_NGRAM = 3
_EMPTY: frozenset[int] = frozenset()
_K = TypeVar("_K")
_UNREADABLE: Any = object()
_PAGE_FIELDS = frozenset({"items", "total", "limit", "offset"})


# ----------------------------------------------------------------------- errors


class CatalogProblem(BaseModel):
    """One thing wrong with the catalog data, located as precisely as it can be."""

    model_config = ConfigDict(frozen=True)

    file: str = Field(description="File name relative to the catalog directory.")
    card_id: str | None = Field(
        default=None, description="Card id, or '#N' (N-th card in the file) when it has none."
    )
    field: str | None = Field(default=None, description="Dotted path of the offending field.")
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.card_id is not None:
            where.append(f"card {self.card_id}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{': '.join(where)}: {self.message}"


class CatalogLoadError(MantimonError):
    """The catalog could not be loaded; `problems` lists every problem found, in file order."""

    def __init__(self, directory: Path, problems: Sequence[CatalogProblem]) -> None:
        self.directory = directory
        self.problems: tuple[CatalogProblem, ...] = tuple(problems)
        count = len(self.problems)
        lines = [f"card catalog in {directory} failed to load ({count} problem(s)):"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        super().__init__("\n".join(lines))


class CardNotFoundError(MantimonError, LookupError):
    """One or more card ids are not in the catalog.

    ``card_ids`` lists every missing id (in the order asked) and ``suggestions``
    maps each to close existing ids, so a caller can say "did you mean ...".
    """

    def __init__(self, card_ids: Sequence[str], suggestions: Mapping[str, Sequence[str]]) -> None:
        self.card_ids: tuple[str, ...] = tuple(card_ids)
        self.suggestions: dict[str, tuple[str, ...]] = {
            card_id: tuple(suggestions.get(card_id, ())) for card_id in self.card_ids
        }
        parts = []
        for card_id in self.card_ids:
            close = self.suggestions[card_id]
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            parts.append(f"{card_id!r}{hint}")
        noun = "card id" if len(parts) == 1 else "card ids"
        super().__init__(f"unknown {noun}: {'; '.join(parts)}")

    def __str__(self) -> str:
        return str(self.args[0])


class SetNotFoundError(MantimonError, LookupError):
    """A set code that is not in the catalog; the message lists the known sets."""

    def __init__(self, set_code: str, known: Iterable[str]) -> None:
        self.set_code = set_code
        super().__init__(f"unknown set {set_code!r}; known sets: {', '.join(known)}")

    def __str__(self) -> str:
        return str(self.args[0])


# ------------------------------------------------------------- search models


def _whole_number(value: object) -> object:
    """Refuse a text that is not plainly a whole number (``0.0``, `` 3``, ``3_000``).

    Query strings arrive as text and pydantic's lax int parsing reads more than a person
    writes; a filter that says something other than what was typed is refused instead.
    """
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError(
            "int_parsing",
            "Input should be a whole number written in digits, got {given}",
            {"given": repr(value[:20])},
        )
    return value


_DIGITS = re.compile(r"-?[0-9]{1,9}")
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
"""An integer that, given as text (a query string), must be written plainly in digits."""


class CardSearchFilters(BaseModel):
    """A card search: every filter given must match (AND); None means "any".

    ``element`` matches creatures of that element and energy cards of that type.
    ``stage`` and the hp bounds match creatures only, ``trainer_subtype`` trainers
    only. ``name_contains`` is a case-insensitive substring. Results are ordered by
    set (catalog order) then collector number, and paged by ``limit``/``offset``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    card_type: CardType | None = Field(default=None, description="Creature, trainer or energy.")
    set_id: str | None = Field(default=None, description="Set id, e.g. 'mv1' (any case).")
    rarity: Rarity | None = Field(default=None, description="Exact rarity.")
    element: EnergyType | None = Field(
        default=None, description="Creatures of this element and energy cards of this type."
    )
    stage: Stage | None = Field(default=None, description="Creature stage (creatures only).")
    trainer_subtype: TrainerSubtype | None = Field(
        default=None, description="Trainer subtype (trainers only)."
    )
    hp_min: WholeNumber | None = Field(default=None, ge=0, description="Lowest hp, inclusive.")
    hp_max: WholeNumber | None = Field(
        default=None, ge=0, description="Highest hp, inclusive; not below hp_min."
    )
    name_contains: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None
    ) = Field(default=None, description="Case-insensitive part of the card name.")
    limit: WholeNumber = Field(default=50, ge=1, le=500, description="Page size.")
    offset: WholeNumber = Field(default=0, ge=0, description="Matches to skip before this page.")

    @model_validator(mode="after")
    def _check_hp_range(self) -> Self:
        if self.hp_min is not None and self.hp_max is not None and self.hp_min > self.hp_max:
            raise ValueError(f"hp_min ({self.hp_min}) is greater than hp_max ({self.hp_max})")
        return self


class CardPage(BaseModel):
    """One page of search results and the total number of matches across all pages."""

    model_config = ConfigDict(frozen=True)

    items: list[CardDefinition]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        """Whether a later page holds more matches."""
        return self.offset + len(self.items) < self.total


# ------------------------------------------------------------- index file model


class _IndexEntry(SetInfo):
    file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+\.json$")]


class _IndexFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sets: list[dict[str, Any]] = Field(min_length=1)


# ----------------------------------------------------------------------- loading


@dataclass
class _Loader:
    """Collects every problem while reading a catalog directory."""

    directory: Path

    def __post_init__(self) -> None:
        self.problems: list[CatalogProblem] = []
        # Names of cards that failed validation, and whether a whole file was lost: an
        # evolution pointing at them is not reported again, the cause already is.
        self.invalid_names: set[str] = set()
        self.lost_file = False

    def problem(
        self, file: str, message: str, card_id: str | None = None, field: str | None = None
    ) -> None:
        self.problems.append(
            CatalogProblem(file=file, card_id=card_id, field=field, message=message)
        )

    def read_json(self, name: str, listed_for: str | None = None) -> Any:
        """The parsed file, or `_UNREADABLE` once the reason is recorded as a problem."""
        path = self.directory / name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            where = f" (listed in {INDEX_FILE} for set {listed_for!r})" if listed_for else ""
            self.problem(name, f"file not found: {path}{where}")
            return _UNREADABLE
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(name, f"cannot read {path}: {exc}")
            return _UNREADABLE
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self.problem(
                name, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            )
            return _UNREADABLE

    def report_validation(
        self,
        file: str,
        error: ValidationError,
        card_id: str | None,
        prefix: str = "",
        raw: Any = None,
    ) -> None:
        for item in error.errors(include_url=False):
            loc = _data_loc(raw, item["loc"])
            field = prefix + _format_loc(loc) if loc else (prefix.rstrip(".") or None)
            kind = item["type"]
            nested = bool(loc)  # a tagged union inside the card: an effect, not the card
            if kind == "missing":
                message = "missing field"
            elif kind == "extra_forbidden":
                message = "unknown field"
            elif kind == "union_tag_invalid" and nested:
                field = prefix + _format_loc([*loc, "kind"])
                ctx = item.get("ctx", {})
                message = (
                    f"unknown kind {ctx.get('tag')!r}; expected one of: {ctx.get('expected_tags')}"
                )
            elif kind == "union_tag_not_found" and nested:
                field = prefix + _format_loc([*loc, "kind"])
                message = "missing field (kind decides which parameters this entry has)"
            elif kind == "union_tag_invalid":
                field = prefix + "card_type"
                tag = item["input"].get("card_type")
                message = f"unknown card_type {tag!r}; expected one of: {', '.join(_CARD_TAGS)}"
            elif kind == "union_tag_not_found":
                field = prefix + "card_type"
                message = "missing field (card_type decides which fields a card has)"
            elif kind == "value_error":  # our own cross-field checks name the fields
                message = str(item["msg"]).removeprefix("Value error, ")
            else:
                message = f"{item['msg']} (got {_short(item['input'])})"
            self.problem(file, message, card_id=card_id, field=field)

    def load(self) -> CardService:
        raw_index = self.read_json(INDEX_FILE)
        if raw_index is _UNREADABLE:
            raise CatalogLoadError(self.directory, self.problems)
        entries = self.index_entries(raw_index)
        cards: list[CardDefinition] = []
        first_seen: dict[str, str] = {}
        for entry in entries:
            cards.extend(self.load_set(entry, first_seen))
        self.check_evolutions(cards, first_seen)
        if self.problems:
            raise CatalogLoadError(self.directory, self.problems)
        return CardService(
            [SetInfo.model_validate(e.model_dump(exclude={"file"})) for e in entries], cards
        )

    def index_entries(self, raw: Any) -> list[_IndexEntry]:
        try:
            index = _IndexFile.model_validate(raw)
        except ValidationError as exc:
            self.report_validation(INDEX_FILE, exc, None)
            return []
        entries: list[_IndexEntry] = []
        seen_ids: set[str] = set()
        seen_files: set[str] = set()
        for position, raw_entry in enumerate(index.sets):
            try:
                entry = _IndexEntry.model_validate(raw_entry)
            except ValidationError as exc:
                self.report_validation(INDEX_FILE, exc, None, prefix=f"sets[{position}].")
                continue
            if entry.id in seen_ids:
                self.problem(
                    INDEX_FILE, f"duplicate set id {entry.id!r}", field=f"sets[{position}].id"
                )
                continue
            if entry.file in seen_files:
                self.problem(
                    INDEX_FILE,
                    f"file {entry.file!r} is listed twice",
                    field=f"sets[{position}].file",
                )
                continue
            seen_ids.add(entry.id)
            seen_files.add(entry.file)
            entries.append(entry)
        return entries

    def load_set(self, entry: _IndexEntry, first_seen: dict[str, str]) -> list[CardDefinition]:
        raw = self.read_json(entry.file, listed_for=entry.id)
        if raw is _UNREADABLE:
            self.lost_file = True
            return []
        if not isinstance(raw, dict):
            self.problem(entry.file, f"expected an object with set_id and cards, got {_kind(raw)}")
            self.lost_file = True
            return []
        for key in sorted(set(raw) - {"set_id", "cards"}):
            self.problem(entry.file, "unknown field", field=key)
        if raw.get("set_id") != entry.id:
            self.problem(
                entry.file,
                f"set_id is {raw.get('set_id')!r} but {INDEX_FILE} lists this file for set "
                f"{entry.id!r}",
                field="set_id",
            )
        raw_cards = raw.get("cards")
        if not isinstance(raw_cards, list):
            self.problem(
                entry.file, f"expected a list of cards, got {_kind(raw_cards)}", field="cards"
            )
            return []
        if len(raw_cards) != entry.card_count:
            self.problem(
                INDEX_FILE,
                f"set {entry.id!r} declares card_count {entry.card_count} but {entry.file} holds "
                f"{len(raw_cards)} cards",
                field=f"sets[{entry.id}].card_count",
            )
        cards: list[CardDefinition] = []
        for position, raw_card in enumerate(raw_cards, start=1):
            card = self.load_card(entry, position, raw_card)
            if card is None:
                continue
            if card.id in first_seen:
                self.problem(
                    entry.file,
                    f"duplicate card id, first defined in {first_seen[card.id]}",
                    card_id=card.id,
                    field="id",
                )
                continue
            if card.number != position:
                # Collector numbers are the printing order: card N is the N-th in its file,
                # so a set prints 1..card_count with no gap, repeat or reordering.
                self.problem(
                    entry.file,
                    f"number {card.number} but this is card #{position} of the file; collector"
                    f" numbers run 1..{len(raw_cards)} in file order",
                    card_id=card.id,
                    field="number",
                )
            first_seen[card.id] = entry.file
            cards.append(card)
        return cards

    def load_card(self, entry: _IndexEntry, position: int, raw: Any) -> CardDefinition | None:
        if not isinstance(raw, dict):
            self.problem(
                entry.file, f"expected a card object, got {_kind(raw)}", card_id=f"#{position}"
            )
            return None
        raw_id = raw.get("id")
        card_id = raw_id if isinstance(raw_id, str) and raw_id else f"#{position}"
        try:
            card = CARD_DEFINITION_ADAPTER.validate_python(raw)
        except ValidationError as exc:
            self.report_validation(entry.file, exc, card_id, raw=raw)
            if isinstance(raw.get("name"), str):
                self.invalid_names.add(raw["name"].strip())
            return None
        if card.set_id != entry.id:
            self.problem(
                entry.file,
                f"set_id {card.set_id!r} does not match the file's set {entry.id!r}",
                card_id=card.id,
                field="set_id",
            )
            self.invalid_names.add(card.name)
            return None
        return card

    def check_evolutions(self, cards: Sequence[CardDefinition], files: Mapping[str, str]) -> None:
        """Every stage 1 / stage 2 must name a creature of the previous stage.

        A target that exists only as an invalid card, or that may sit in a file that
        could not be read, is not reported: its cause is already in the problem list.
        """
        stages_by_name: dict[str, set[Stage]] = defaultdict(set)
        for card in cards:
            if isinstance(card, CreatureCard):
                stages_by_name[card.name].add(card.stage)
        for card in cards:
            if not isinstance(card, CreatureCard) or card.evolves_from is None:
                continue
            previous = card.stage.previous
            found = stages_by_name.get(card.evolves_from, set())
            if previous in found or card.evolves_from in self.invalid_names:
                continue
            if not found and self.lost_file:
                continue
            if found:
                what = ", ".join(sorted(str(stage) for stage in found))
                detail = f"{card.evolves_from!r} is a {what} creature, not {previous}"
            else:
                detail = f"no creature named {card.evolves_from!r} in the catalog"
            self.problem(
                files[card.id],
                f"a {card.stage} creature must evolve from a {previous} creature: {detail}",
                card_id=card.id,
                field="evolves_from",
            )


_CARD_TAGS = tuple(str(kind) for kind in CardType)


def _data_loc(raw: Any, loc: Sequence[int | str]) -> list[int | str]:
    """The error location as a path in the data: the tags pydantic inserts are dropped.

    A tagged union adds the tag it tried to the location (``attacks[0].effects[0].coin_flip
    .on_heads``); walking the raw data tells a tag (the value of the object's ``card_type``
    or ``kind``) from a field of that name.
    """
    path: list[int | str] = []
    node = raw
    for part in loc:
        if isinstance(node, dict):
            if part not in node and part in (node.get("card_type"), node.get("kind")):
                continue
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
        path.append(part)
    return path


def _format_loc(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


# ----------------------------------------------------------------------- service


class CardService:
    """Immutable, in-memory card catalog with precomputed search indexes.

    Build it with `CardService.load` (bundled JSON) or directly from already
    validated sets and cards (tests; the constructor raises ValueError for a
    duplicate id or a card of an unlisted set). All methods are synchronous,
    thread-safe (nothing mutates after construction) and never perform I/O.
    """

    def __init__(self, sets: Sequence[SetInfo], cards: Iterable[CardDefinition]) -> None:
        self._sets: tuple[SetInfo, ...] = tuple(sets)
        set_order = {info.id: position for position, info in enumerate(self._sets)}
        given = list(cards)
        strays = sorted({card.set_id for card in given} - set(set_order))
        if strays:
            raise ValueError(f"cards belong to sets that are not listed: {', '.join(strays)}")
        ordered = sorted(given, key=lambda card: (set_order[card.set_id], card.number))
        self._cards: tuple[CardDefinition, ...] = tuple(ordered)
        self._by_id: dict[str, CardDefinition] = {card.id: card for card in self._cards}
        if len(self._by_id) != len(self._cards):
            raise ValueError("card ids must be unique")
        self._by_id_view: Mapping[str, CardDefinition] = MappingProxyType(self._by_id)
        self._build_indexes()

    @classmethod
    def load(cls, cards_dir: Path) -> CardService:
        """Load and validate the whole catalog in `cards_dir`.

        Raises:
            CatalogLoadError: anything is wrong; it lists every problem found (file,
                card id, field and message), not only the first.
        """
        return _Loader(Path(cards_dir)).load()

    def _build_indexes(self) -> None:
        by_type: dict[CardType, set[int]] = defaultdict(set)
        by_set: dict[str, set[int]] = defaultdict(set)
        by_rarity: dict[Rarity, set[int]] = defaultdict(set)
        by_element: dict[EnergyType, set[int]] = defaultdict(set)
        by_stage: dict[Stage, set[int]] = defaultdict(set)
        by_subtype: dict[TrainerSubtype, set[int]] = defaultdict(set)
        hp_pairs: list[tuple[int, int]] = []
        positions_by_name: dict[str, list[int]] = defaultdict(list)
        for position, card in enumerate(self._cards):
            positions_by_name[card.name.casefold()].append(position)
            by_type[card.card_type].add(position)
            by_set[card.set_id].add(position)
            by_rarity[card.rarity].add(position)
            if isinstance(card, CreatureCard):
                by_element[card.element].add(position)
                by_stage[card.stage].add(position)
                hp_pairs.append((card.hp, position))
            elif isinstance(card, TrainerCard):
                by_subtype[card.trainer_subtype].add(position)
            else:
                by_element[card.energy_type].add(position)
        # Name search works on distinct names (far fewer than cards): n-grams -> name numbers.
        self._names: tuple[str, ...] = tuple(positions_by_name)
        number_of = {name: number for number, name in enumerate(self._names)}
        self._name_number: tuple[int, ...] = tuple(
            number_of[card.name.casefold()] for card in self._cards
        )
        self._hp_by_position: tuple[int, ...] = tuple(
            card.hp if isinstance(card, CreatureCard) else -1 for card in self._cards
        )
        self._name_positions: tuple[tuple[int, ...], ...] = tuple(
            tuple(positions) for positions in positions_by_name.values()
        )
        ngrams: dict[str, set[int]] = defaultdict(set)
        for number, name in enumerate(self._names):
            for gram in _ngrams(name):
                ngrams[gram].add(number)
        self._by_type = _freeze(by_type)
        self._by_set = _freeze(by_set)
        self._by_rarity = _freeze(by_rarity)
        self._by_element = _freeze(by_element)
        self._by_stage = _freeze(by_stage)
        self._by_subtype = _freeze(by_subtype)
        self._ngrams = _freeze(ngrams)
        hp_pairs.sort()
        self._hp_values: tuple[int, ...] = tuple(hp for hp, _ in hp_pairs)
        self._hp_positions: tuple[int, ...] = tuple(position for _, position in hp_pairs)

    # ------------------------------------------------------------------ lookups

    def __len__(self) -> int:
        return len(self._cards)

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._by_id

    def __iter__(self) -> Iterator[CardDefinition]:
        return iter(self._cards)

    @property
    def sets(self) -> tuple[SetInfo, ...]:
        """The sets in catalog order (the order of ``_index.json``)."""
        return self._sets

    @property
    def by_id(self) -> Mapping[str, CardDefinition]:
        """Every card by id, read-only; the same object every time (the engine caches by it)."""
        return self._by_id_view

    def all_cards(self) -> tuple[CardDefinition, ...]:
        """Every card, ordered by set then collector number."""
        return self._cards

    def get_card(self, card_id: str) -> CardDefinition:
        """Return the card with this id.

        Raises:
            CardNotFoundError: no such card; the error suggests close ids.
        """
        try:
            return self._by_id[card_id]
        except KeyError:
            raise CardNotFoundError([card_id], {card_id: self.suggest_ids(card_id)}) from None

    def get_cards(self, card_ids: Iterable[str]) -> dict[str, CardDefinition]:
        """Return the cards with these ids, keyed by id in the order first asked.

        Raises:
            CardNotFoundError: at least one id is unknown; it lists all of them.
        """
        found: dict[str, CardDefinition] = {}
        missing: list[str] = []
        for card_id in card_ids:
            card = self._by_id.get(card_id)
            if card is not None:
                found[card_id] = card
            elif card_id not in missing:
                missing.append(card_id)
        if missing:
            raise CardNotFoundError(missing, {m: self.suggest_ids(m) for m in missing})
        return found

    def get_cards_by_set(self, set_code: str) -> list[CardDefinition]:
        """Every card of a set (set codes are case-insensitive), by collector number.

        Raises:
            SetNotFoundError: the catalog has no such set.
        """
        positions = self._by_set.get(set_code.lower())
        if positions is None:
            raise SetNotFoundError(set_code, (info.id for info in self._sets))
        return [self._cards[position] for position in sorted(positions)]

    def get_set(self, set_code: str) -> SetInfo:
        """The set with this code (case-insensitive).

        Raises:
            SetNotFoundError: the catalog has no such set.
        """
        for info in self._sets:
            if info.id == set_code.lower():
                return info
        raise SetNotFoundError(set_code, (info.id for info in self._sets))

    def suggest_ids(self, card_id: str, limit: int = 3) -> list[str]:
        """Existing card ids closest to `card_id`, best first (possibly none)."""
        return difflib.get_close_matches(card_id.lower(), self._by_id.keys(), n=limit, cutoff=0.6)

    # ------------------------------------------------------------------- search

    def search_cards(self, filters: CardSearchFilters) -> CardPage:
        """Cards matching every given filter, ordered by set and number, one page at a time.

        The cost is that of the smallest matching index plus the page, not a scan
        of the catalog; ``total`` counts every match, not just this page.
        """
        matches = self._matching_positions(filters)
        start, stop = filters.offset, filters.offset + filters.limit
        if matches is None:
            items, total = list(self._cards[start:stop]), len(self._cards)
        else:
            window = sorted(matches)[start:stop]
            items, total = [self._cards[position] for position in window], len(matches)
        # The cards were validated at load and are immutable: no need to validate them again.
        return CardPage.model_construct(
            set(_PAGE_FIELDS), items=items, total=total, limit=filters.limit, offset=filters.offset
        )

    def _matching_positions(self, filters: CardSearchFilters) -> Collection[int] | None:
        """Positions matching all filters, or None when no filter is set (everything matches).

        Equality filters intersect their index sets, smallest first. The hp range and
        the name then narrow that (already small) result by looking at each remaining
        card; only when no equality filter is given do they use their own indexes.
        """
        sets: list[Collection[int]] = []
        pairs: list[tuple[Mapping[Any, frozenset[int]], object]] = [
            (self._by_type, filters.card_type),
            (self._by_set, filters.set_id.lower() if filters.set_id else None),
            (self._by_rarity, filters.rarity),
            (self._by_element, filters.element),
            (self._by_stage, filters.stage),
            (self._by_subtype, filters.trainer_subtype),
        ]
        for index, value in pairs:
            if value is not None:
                sets.append(index.get(value, _EMPTY))
        low, high = filters.hp_min, filters.hp_max
        has_hp = low is not None or high is not None
        needle = filters.name_contains.casefold() if filters.name_contains is not None else None
        if not sets:
            if needle is not None:
                sets.append(self._name_candidates(needle))
                needle = None
            elif has_hp:
                sets.append(self._hp_range(low, high))
                has_hp = False
            else:
                return None
        sets.sort(key=len)
        result = set(sets[0])
        for other in sets[1:]:
            if not result:
                break
            result.intersection_update(other)
        if has_hp:
            floor = 0 if low is None else low
            ceiling = 10**9 if high is None else high
            hps = self._hp_by_position
            result = {p for p in result if floor <= hps[p] <= ceiling}
        if needle is not None:
            names, numbers = self._names, self._name_number
            result = {p for p in result if needle in names[numbers[p]]}
        return result

    def _hp_range(self, low: int | None, high: int | None) -> Collection[int]:
        start = 0 if low is None else bisect.bisect_left(self._hp_values, low)
        stop = len(self._hp_values) if high is None else bisect.bisect_right(self._hp_values, high)
        return self._hp_positions[start:stop]

    def _name_candidates(self, needle: str) -> set[int]:
        """Positions of cards whose (case-folded) name contains `needle`.

        A needle no longer than an n-gram is looked up directly; a longer one keeps
        the names holding all its n-grams, then checks the substring on those few.
        """
        if len(needle) <= _NGRAM:
            names: Collection[int] = self._ngrams.get(needle, _EMPTY)
        else:
            grams = sorted(
                (self._ngrams.get(needle[i : i + _NGRAM], _EMPTY) for i in range(len(needle) - 2)),
                key=len,
            )
            names = [n for n in grams[0].intersection(*grams[1:]) if needle in self._names[n]]
        return {position for number in names for position in self._name_positions[number]}


def _ngrams(text: str) -> set[str]:
    return {text[i : i + n] for n in range(1, _NGRAM + 1) for i in range(len(text) - n + 1)}


def _freeze(index: Mapping[_K, set[int]]) -> dict[_K, frozenset[int]]:
    return {key: frozenset(value) for key, value in index.items()}


# -------------------------------------------------------------- process instance

_lock = threading.Lock()
_instance: CardService | None = None


def init_card_service(cards_dir: Path | None = None) -> CardService:
    """Load the catalog now and make it the process-wide instance (call at start-up).

    `cards_dir` defaults to ``Settings.cards_dir``.

    Raises:
        CatalogLoadError: the catalog is invalid; the previous instance (if any) stays.
    """
    if cards_dir is None:
        from app.config import get_settings

        cards_dir = get_settings().cards_dir
    service = CardService.load(cards_dir)
    set_card_service(service)
    return service


def get_card_service() -> CardService:
    """The process-wide catalog; loads it from settings on first use if start-up did not.

    Usable as a FastAPI dependency (``Depends(get_card_service)``); override it there
    with ``app.dependency_overrides`` or here with `set_card_service`.

    Raises:
        CatalogLoadError: on first use, when the configured catalog is invalid.
    """
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                from app.config import get_settings

                _instance = CardService.load(get_settings().cards_dir)
    return _instance


def set_card_service(service: CardService | None) -> CardService | None:
    """Replace the process-wide instance (None: reload lazily); returns the previous one."""
    global _instance
    with _lock:
        previous, _instance = _instance, service
    return previous


@contextmanager
def override_card_service(service: CardService) -> Iterator[CardService]:
    """Use `service` as the process-wide instance inside the block, then restore the previous."""
    previous = set_card_service(service)
    try:
        yield service
    finally:
        set_card_service(previous)
