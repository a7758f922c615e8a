"""Errors the rules engine raises.

`IllegalActionError` is the one a caller should expect: an action that the rules do
not allow now (`ActionFieldError`: one whose shape is wrong, naming the field). It
is raised before anything changes, so the state is exactly as it was. `EngineError`
means the engine itself met a state it cannot continue from (a bug or a corrupt
state), never a player's mistake; `CorruptStateError` is a state refused before
anything was tried (`app.engine.integrity`).
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


class ActionFieldError(IllegalActionError):
    """An action of the wrong shape (a field's type, size or use); ``field`` names the field."""

    def __init__(self, field: str, reason: str, kind: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {reason}", kind=kind)


class CorruptStateError(EngineError):
    """A state the engine cannot play on: ``problems`` lists what is wrong, in words."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("corrupt game state: " + "; ".join(problems))
