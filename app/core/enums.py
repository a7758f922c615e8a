"""Enumerations shared by the domain and the database.

They are `StrEnum`s stored as VARCHAR with a CHECK constraint (see
`app.db.base.str_enum`), so adding a value later is an ordinary, transactional
constraint change in a migration rather than an `ALTER TYPE`.
"""

from enum import StrEnum


class GameType(StrEnum):
    """How a game was started; decides rewards and whether it counts for ranking."""

    CAMPAIGN = "campaign"
    FREEPLAY = "freeplay"
    RANKED = "ranked"


class DeckMode(StrEnum):
    """What a deck is built for; decides which cards it may use.

    A free-play deck may use any card of the catalog; a campaign deck only the
    cards its owner has in their collection.
    """

    FREEPLAY = "freeplay"
    CAMPAIGN = "campaign"


class EndReason(StrEnum):
    """Why a finished game ended, kept in the game history for statistics and replays."""

    POINTS = "points"
    PRIZES = "prizes"
    NO_CREATURES = "no_creatures"
    DECK_OUT = "deck_out"
    RESIGNATION = "resignation"
    TIMEOUT = "timeout"
    TURN_LIMIT = "turn_limit"
    ABANDONED = "abandoned"
    AGREED_DRAW = "agreed_draw"


class CardSource(StrEnum):
    """Where the first copies of a collected card came from."""

    STARTER = "starter"
    BOOSTER = "booster"
    REWARD = "reward"
    PURCHASE = "purchase"


class OAuthProvider(StrEnum):
    """Identity providers a user can sign in with.

    ``dev`` is the development sign-in (a name, no password): only the dev
    environment creates or accepts it.
    """

    GOOGLE = "google"
    DISCORD = "discord"
    DEV = "dev"
