"""Redis fixtures (placeholder until the GameStateManager work fills it in)."""
