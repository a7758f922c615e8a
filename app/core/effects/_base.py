"""The one model configuration every effect primitive shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class EffectModel(BaseModel):
    """Frozen, strict about unknown fields: a misspelt parameter is an error, never ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


Count = Annotated[StrictInt, Field(ge=1, le=60)]
"""How many cards, creatures, coins or counters: at least one."""

Hp = Annotated[StrictInt, Field(ge=10, le=400, multiple_of=10)]
"""An amount of damage or HP: a positive multiple of ten."""

SignedHp = Annotated[StrictInt, Field(ge=-400, le=400, multiple_of=10)]
"""A change of damage or HP, negative for less (never zero: see the models that use it)."""
