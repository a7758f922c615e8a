"""Mantimon TCG backend."""
