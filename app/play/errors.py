"""Why the game service refused a request made over HTTP (the WebSocket uses `ErrorCode`)."""

from __future__ import annotations

from app.errors import MantimonError


class PlayError(MantimonError):
    """A request about games that the service refused; nothing changed."""


class PlayNotFoundError(PlayError, LookupError):
    """No such game, invite or ticket for this user (one answer, so ids cannot be probed)."""


class NotJoinableError(PlayError):
    """The game cannot be joined: it is your own, or someone else took the invite."""


class DeckNotPlayableError(PlayError):
    """The deck cannot be played in this game; the message says which problems it has."""


class RankedNeedsAccountError(PlayError):
    """Ranked play is for full accounts; a guest must sign in with a provider first."""
