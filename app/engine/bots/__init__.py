"""Bots that pick one of the legal actions: a random one and a heuristic one.

A bot is any object with ``choose(state, actions, cards) -> Action``. It gets
the live state (it must not mutate it), the non-empty list `legal_actions`
returned for the player to act, and the card definitions. A bot draws its
randomness only from a `random.Random` of its own, seeded at construction, so a
game between seeded bots on a seeded state is reproducible. Bots never look at
what their seat may not see: the opponent's hand, deck order and prizes are only
used as counts.
"""

from __future__ import annotations

from app.engine.bots.base import Bot, BotName, make_bot
from app.engine.bots.easy_bot import EasyBot
from app.engine.bots.heuristic_bot import HeuristicBot
from app.engine.bots.random_bot import RandomBot
from app.engine.bots.search_bot import SearchBot, SearchBudget

__all__ = [
    "Bot",
    "BotName",
    "EasyBot",
    "HeuristicBot",
    "RandomBot",
    "SearchBot",
    "SearchBudget",
    "make_bot",
]
