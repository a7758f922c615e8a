"""Version 1 of the JSON API; breaking changes go to a new version package, not here."""

from fastapi import APIRouter

from app.api.v1 import auth, catalog, collection, decks, games, me, rules

API_V1_PREFIX = "/api/v1"

router = APIRouter(prefix=API_V1_PREFIX)
router.include_router(catalog.router)
router.include_router(rules.router)
router.include_router(auth.router)
router.include_router(me.router)
router.include_router(collection.router)
router.include_router(decks.router)
router.include_router(decks.codes_router)
router.include_router(games.router)
