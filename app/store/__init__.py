"""The game store: games in progress in Redis with PostgreSQL behind them.

`manager.GameStateManager` is the one entry point; its docstring lists the modules behind
it (cache, rows, copies, lineage, batches). `driver` plays a game through it and records
the result and replay. Errors are `app.errors.MantimonError` subclasses, never HTTP errors.
"""
