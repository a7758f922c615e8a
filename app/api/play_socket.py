"""The game WebSocket, ``/ws/play``: a thin edge over `app.play.connection`.

A browser's Origin must be the service's own (``PUBLIC_BASE_URL``, or the host the request
came to: a page the service served) or one of ``PLAY_ALLOWED_ORIGINS``; the handshake of
any other is refused before it is accepted. A client that sends no Origin is not a
browser (no page can borrow a user's cookies through it, and the token travels in the
first message anyway) and is let through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from app.play.connection import POLICY_VIOLATION, PlayConnection

router = APIRouter()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@router.websocket("/ws/play")
async def play_socket(ws: WebSocket) -> None:
    """Serve one game connection (``docs/protocol.md``)."""
    services = getattr(ws.app.state, "services", None)
    origin = ws.headers.get("origin")
    if services is None:
        await ws.close(1013, "the service is starting or stopping")
        return
    settings = services.settings
    allowed = {
        _origin(settings.public_base_url),
        *(_origin(other) for other in settings.play_allowed_origins),
    }
    host = ws.headers.get("host")
    if host is not None:
        # The page the service itself served (same origin), whatever name reached it.
        allowed |= {f"http://{host}".lower(), f"https://{host}".lower()}
    if origin is not None and _origin(origin) not in allowed:
        await ws.close(POLICY_VIOLATION, "origin not allowed")
        return
    play = services.play
    await PlayConnection(ws, play.hub, play.lobby, services.accounts).run()
