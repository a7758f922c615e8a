"""Signing keys for tests that need settings with ``JWT_SIGNING_KEYS``."""

from __future__ import annotations

import json
from typing import Any

from app.accounts.tokens import generate_signing_key


def signing_keys_json(*keys: dict[str, Any]) -> str:
    """A JWKS string of `keys`, or of one fresh key."""
    return json.dumps({"keys": list(keys) or [generate_signing_key()]})
