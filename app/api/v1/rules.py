"""The rules presets a game can be started with."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from app.api.errors import problem_responses
from app.core.rules import DEFAULT_RULES_PRESET, RULES_PRESETS, RulesConfig, RulesPreset

router = APIRouter(prefix="/rules", tags=["rules"])


class RulesPresetInfo(BaseModel):
    """A named rule set, with every setting spelled out."""

    name: RulesPreset
    is_default: bool = Field(description="Whether games use this preset when none is chosen.")
    rules: RulesConfig


class RulesPresetList(BaseModel):
    """Every preset shipped with this version."""

    items: list[RulesPresetInfo]
    default: RulesPreset


def _info(name: RulesPreset) -> RulesPresetInfo:
    return RulesPresetInfo(
        name=name, is_default=name is DEFAULT_RULES_PRESET, rules=RULES_PRESETS[name]
    )


@router.get("/presets", summary="List the rules presets")
async def list_presets() -> RulesPresetList:
    """Every preset, the default first."""
    names = sorted(RULES_PRESETS, key=lambda name: name is not DEFAULT_RULES_PRESET)
    return RulesPresetList(items=[_info(name) for name in names], default=DEFAULT_RULES_PRESET)


@router.get(
    "/presets/{name}",
    summary="Get one rules preset",
    responses=problem_responses(HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY),
)
async def get_preset(
    name: Annotated[str, Path(max_length=32, description="Preset name, e.g. ``mantimon``.")],
) -> RulesPresetInfo:
    """One preset by name; an unknown name is a 404 listing the known presets."""
    RulesConfig.preset(name)
    return _info(RulesPreset(name))
