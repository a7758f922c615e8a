"""Errors the rules engine raises.

`IllegalActionError` is the one a caller should expect: an action that the rules do
not allow now. It is raised before anything changes, so the state is exactly as it
was. `EngineError` means the engine itself met a state it cannot continue from
(a bug or a corrupt state), never a player's mistake.
"""

from __future__ import annotations

from app.errors import MantimonError


class IllegalActionError(MantimonError, ValueError):
    """An action the rules forbid now; ``reason`` says why in words a player understands."""

    def __init__(self, reason: str, *, kind: str | None = None) -> None:
        self.reason = reason
        self.kind = kind
        super().__init__(
            f"illegal {kind} action: {reason}" if kind else f"illegal action: {reason}"
        )


class EngineError(MantimonError, RuntimeError):
    """The engine met a state it cannot play on (a bug or a corrupt state)."""
