"""Use cases of the backend: the card catalog, deck validation, game state management.

Services raise `app.errors.MantimonError` subclasses, never HTTP errors; the edge
(API, CLI) maps them to responses.
"""
