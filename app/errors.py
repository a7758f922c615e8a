"""The root of every domain error, so one HTTP handler and one CLI handler can render them all."""


class MantimonError(Exception):
    """Base class for errors the application raises on purpose.

    Services raise subclasses of this, never framework HTTP exceptions; the edge
    (API handler, CLI) decides how to present them.
    """


class EmbeddedServerError(MantimonError):
    """An embedded development server could not start; the message says why and where its log is."""
