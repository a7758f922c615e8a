"""Deck codes: a deck as a short, URL-safe string a player can paste, share and import.

A code is base64url (no padding) of::

    version (1 byte) | payload | CRC-32 of version and payload (4 bytes, big-endian)

The envelope (a version first, a checksum last) is the same for every version,
so a code of any version can be checked before it is read, and a code made by a
newer server is refused as such rather than misread. Version 1's payload is the
main deck then the energy deck, each as: the number of sets (varint), then per
set its code (1 length byte, ASCII) and its number of cards (varint), then per
card, by increasing collector number, the number's difference from the previous
card's (the first: the number itself) and the copies (varints). Ids are
``<set>-<NNN>``, the catalog's id format, which is what makes the code compact
(a starter deck, 40 cards and a 20-card energy deck, is about 75 characters).

Decoding checks the format only; whether the cards exist and make a legal deck
is the deck validation's job.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, NoReturn

from app.errors import MantimonError

CURRENT_VERSION: Final = 1
MAX_CODE_LENGTH: Final = 4096
"""Longer codes are refused before decoding (a full deck of distinct cards is far shorter)."""
MAX_COPIES: Final = 99
_CHECKSUM_BYTES: Final = 4
_CARD_ID: Final = re.compile(r"^([a-z0-9]{1,32})-([0-9]{3})$")
_SET_CODE: Final = re.compile(r"^[a-z0-9]{1,32}$")
_CODE_CHARACTERS: Final = re.compile(r"[^A-Za-z0-9_-]")


class DeckCodeProblem(StrEnum):
    """What is wrong with a code, for a client to act on without parsing the message."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    INVALID_CHARACTER = "invalid_character"
    TRUNCATED = "truncated"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    UNSUPPORTED_VERSION = "unsupported_version"
    MALFORMED = "malformed"


class DeckCodeError(MantimonError):
    """A deck code that cannot be read; ``problem`` says which way, the message where."""

    def __init__(self, problem: DeckCodeProblem, message: str) -> None:
        self.problem = problem
        super().__init__(message)


class DeckNotEncodableError(MantimonError):
    """A deck holding an id or a count a code cannot carry (not ``<set>-<NNN>``, not 1-99)."""


@dataclass(frozen=True, slots=True)
class DecodedDeck:
    """The two zones of a decoded deck and the format version the code was written in."""

    version: int
    cards: dict[str, int]
    energy_cards: dict[str, int]


def encode_deck(cards: Mapping[str, int], energy_cards: Mapping[str, int]) -> str:
    """The version-1 code of a deck; equal decks give equal codes (ids are sorted).

    Raises:
        DeckNotEncodableError: an id is not ``<set>-<NNN>`` or a count is not 1-99.
    """
    body = bytearray([CURRENT_VERSION])
    for zone, counts in (("main deck", cards), ("energy deck", energy_cards)):
        body += _encode_zone(zone, counts)
    body += zlib.crc32(body).to_bytes(_CHECKSUM_BYTES, "big")
    return base64.urlsafe_b64encode(bytes(body)).rstrip(b"=").decode("ascii")


def decode_deck(code: str) -> DecodedDeck:
    """Read a code made by `encode_deck` (surrounding whitespace is ignored).

    Raises:
        DeckCodeError: the code is empty, too long, has a character outside
            base64url, was cut short or altered (checksum), was written by a newer
            format version, or its contents are inconsistent; the message names
            the position or part at fault.
    """
    code = code.strip()
    if not code:
        raise DeckCodeError(DeckCodeProblem.EMPTY, "the deck code is empty")
    if len(code) > MAX_CODE_LENGTH:
        raise DeckCodeError(
            DeckCodeProblem.TOO_LONG,
            f"the deck code has {len(code)} characters; codes are at most {MAX_CODE_LENGTH}",
        )
    bad = _CODE_CHARACTERS.search(code)
    if bad is not None:
        raise DeckCodeError(
            DeckCodeProblem.INVALID_CHARACTER,
            f"character {bad.group()!r} at position {bad.start() + 1} cannot appear in a deck "
            "code (only letters, digits, '-' and '_')",
        )
    if len(code) % 4 == 1:
        raise DeckCodeError(
            DeckCodeProblem.TRUNCATED,
            f"the deck code is incomplete: {len(code)} characters cannot encode whole bytes "
            "(a character is missing or extra)",
        )
    try:
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - excluded by the checks above
        raise DeckCodeError(
            DeckCodeProblem.MALFORMED, f"the deck code is not base64url: {exc}"
        ) from None
    if len(raw) < 1 + _CHECKSUM_BYTES:
        raise DeckCodeError(
            DeckCodeProblem.TRUNCATED,
            f"the deck code is too short to be one: {len(raw)} bytes, a code has at least "
            f"{1 + _CHECKSUM_BYTES} (was it cut short?)",
        )
    body, checksum = raw[:-_CHECKSUM_BYTES], raw[-_CHECKSUM_BYTES:]
    if zlib.crc32(body).to_bytes(_CHECKSUM_BYTES, "big") != checksum:
        raise DeckCodeError(
            DeckCodeProblem.CHECKSUM_MISMATCH,
            "the deck code is corrupt or incomplete: its checksum does not match its contents "
            "(was it cut short or mistyped?)",
        )
    version = body[0]
    if version != CURRENT_VERSION:
        raise DeckCodeError(
            DeckCodeProblem.UNSUPPORTED_VERSION,
            f"the deck code is format version {version}; this server reads version "
            f"{CURRENT_VERSION} (a code from a newer version of the game?)",
        )
    reader = _Reader(body, 1)
    cards = reader.zone("main deck")
    energy = reader.zone("energy deck")
    if reader.position != len(body):
        raise DeckCodeError(
            DeckCodeProblem.MALFORMED,
            f"the deck code has {len(body) - reader.position} unexpected byte(s) after the decks",
        )
    return DecodedDeck(version=version, cards=cards, energy_cards=energy)


def _encode_zone(zone: str, counts: Mapping[str, int]) -> bytes:
    by_set: dict[str, list[tuple[int, int]]] = {}
    for card_id, copies in counts.items():
        match = _CARD_ID.match(card_id)
        if match is None:
            raise DeckNotEncodableError(
                f"{card_id!r} in the {zone} is not a catalog id (<set>-<NNN>); it has no deck code"
            )
        if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
            raise DeckNotEncodableError(
                f"{card_id!r} in the {zone} has {copies!r} copies; a deck code carries 1 to "
                f"{MAX_COPIES}"
            )
        by_set.setdefault(match.group(1), []).append((int(match.group(2)), copies))
    out = bytearray(_varint(len(by_set)))
    for set_code in sorted(by_set):
        entries = sorted(by_set[set_code])
        out += bytes([len(set_code)]) + set_code.encode("ascii") + _varint(len(entries))
        previous = 0
        for number, copies in entries:
            out += _varint(number - previous) + _varint(copies)
            previous = number
    return bytes(out)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


@dataclass(slots=True)
class _Reader:
    data: bytes
    position: int

    def zone(self, zone: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _ in range(self.varint(f"the number of sets in the {zone}")):
            length = self.byte(f"a set code's length in the {zone}")
            raw = self.take(length, f"a set code in the {zone}")
            set_code = raw.decode("ascii", errors="replace")
            if not _SET_CODE.match(set_code):
                self.malformed(f"{set_code!r} in the {zone} is not a set code")
            number = 0
            for _ in range(self.varint(f"the number of cards of set {set_code!r}")):
                number += self.varint(f"a collector number in set {set_code!r}")
                copies = self.varint(f"the copies of a card of set {set_code!r}")
                card_id = f"{set_code}-{number:03d}"
                if number > 999:
                    self.malformed(f"collector number {number} of set {set_code!r} is over 999")
                if not 1 <= copies <= MAX_COPIES:
                    self.malformed(f"{card_id} has {copies} copies; a deck holds 1 to {MAX_COPIES}")
                if card_id in counts:
                    self.malformed(f"{card_id} is listed twice in the {zone}")
                counts[card_id] = copies
        return counts

    def byte(self, what: str) -> int:
        return self.take(1, what)[0]

    def take(self, count: int, what: str) -> bytes:
        if self.position + count > len(self.data):
            raise DeckCodeError(
                DeckCodeProblem.TRUNCATED,
                f"the deck code ends early, while reading {what} (byte {self.position + 1})",
            )
        chunk = self.data[self.position : self.position + count]
        self.position += count
        return chunk

    def varint(self, what: str) -> int:
        value = shift = 0
        while True:
            byte = self.byte(what)
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 28:
                self.malformed(f"{what} is too large")

    def malformed(self, message: str) -> NoReturn:
        raise DeckCodeError(DeckCodeProblem.MALFORMED, f"the deck code is malformed: {message}")
