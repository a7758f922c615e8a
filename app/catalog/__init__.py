"""The card catalog: loading and searching the cards, deck validation, and the designers' checks.

`card_service` loads the bundled JSON and answers the deck builder's searches; `design`,
`attacks`, `printing` and `originality` are the checks behind `mantimon cards validate`.
Errors are `app.errors.MantimonError` subclasses, never HTTP errors; the edge maps them.
"""
