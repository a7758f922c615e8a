"""Every table's model, imported here so `Base.metadata` is complete for Alembic and tests."""

from app.db.base import Base
from app.db.models.auth_session import AuthSession
from app.db.models.campaign import CampaignProgress
from app.db.models.collection import Collection, CollectionLedgerEntry, StarterChoice
from app.db.models.deck import Deck
from app.db.models.game import ActiveGame, GameHistory
from app.db.models.identity import Identity
from app.db.models.play import PlayerRating, PlayGame
from app.db.models.user import User

__all__ = [
    "ActiveGame",
    "AuthSession",
    "Base",
    "CampaignProgress",
    "Collection",
    "CollectionLedgerEntry",
    "Deck",
    "GameHistory",
    "Identity",
    "PlayGame",
    "PlayerRating",
    "StarterChoice",
    "User",
]
