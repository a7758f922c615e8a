"""Placeholder for the sign-in branch's dependency (i17-auth), replaced when it is merged.

`CurrentUser` resolves the signed-in user from the request; until sign-in lands
it refuses every request, and tests override `get_current_user`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from app.db.models import User


async def get_current_user() -> User:
    """The signed-in user; always a 401 until the sign-in branch is merged.

    Raises:
        HTTPException: always (a placeholder at the edge, not a service).
    """
    raise HTTPException(
        401, "sign-in is not available in this build", {"WWW-Authenticate": "Bearer"}
    )


CurrentUser = Annotated[User, Depends(get_current_user)]
