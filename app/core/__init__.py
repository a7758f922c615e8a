"""Pure domain models of Mantimon TCG: cards, rules, decks, game state and shared enums.

Nothing in this package performs I/O or imports from `app.db`, the domain packages or
`app.api`, so it can be used by the engine, the API, the CLI and tests alike.
"""
