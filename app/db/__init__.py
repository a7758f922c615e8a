"""Persistence: the SQLAlchemy engine and models, Redis, and the embedded dev servers."""
