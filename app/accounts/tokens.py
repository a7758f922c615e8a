"""Access tokens: short-lived ES256 JWTs naming a user and the session (family) they belong to.

`verify_access_token` is a plain function without I/O, so the HTTP API and the
game service's WebSocket check tokens the same way; whether the session is
still live is a separate, cached question (`app.accounts.sessions.SessionGuard`).

Keys: a `KeyRing` holds private EC P-256 keys, each with a ``kid``; the first
signs, every key verifies (rotation: add the new key first, keep the old one
until the tokens it signed have expired, then remove it). A token whose
``kid`` is not in the ring, whose algorithm is not ES256 (``none`` included),
whose signature, issuer, audience or expiry is wrong is refused with
`NotAuthenticatedError`, whose message never contains the token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jwt import JWTClaimsRegistry

from app.accounts.errors import NotAuthenticatedError
from app.config import Settings

ALGORITHM: Final = "ES256"
ISSUER: Final = "mantimon"
AUDIENCE: Final = "mantimon-api"
_P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says: who, which session, until when (Unix seconds)."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: int
    is_guest: bool


class KeyRing:
    """The signing key and every key still accepted for verification."""

    def __init__(self, keys: list[ECKey]) -> None:
        ring: list[Any] = list(keys)
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self.signing = keys[0]
        self.verifying = KeySet(ring)
        self._kids = frozenset(key.kid for key in keys)

    @classmethod
    def from_jwks(cls, jwks: str) -> KeyRing:
        """Load private keys from a JWKS JSON string (first key signs)."""
        return cls([ECKey.import_key(key) for key in json.loads(jwks)["keys"]])

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """``JWT_SIGNING_KEYS``, or in dev and test a key derived from ``SECRET_KEY``.

        The derived key is stable across restarts (tokens survive a reload in dev)
        and public knowledge wherever the secret is the default, which is why
        staging and prod refuse to start without ``JWT_SIGNING_KEYS``.
        """
        if settings.jwt_signing_keys is not None:
            return cls.from_jwks(settings.jwt_signing_keys.get_secret_value())
        seed = hashlib.sha256(b"mantimon-jwt:" + settings.secret_key.get_secret_value().encode())
        scalar = int.from_bytes(seed.digest()) % (_P256_ORDER - 1) + 1
        private = ec.derive_private_key(scalar, ec.SECP256R1())
        return cls(
            [ECKey.import_key(private, parameters={"kid": "derived-" + seed.hexdigest()[:8]})]
        )

    def public_jwks(self) -> dict[str, Any]:
        """The public halves, as served at ``/.well-known/jwks.json``."""
        keys = []
        for key in self.verifying.keys:
            public = key.as_dict(private=False)
            public.update({"use": "sig", "alg": ALGORITHM})
            keys.append(public)
        return {"keys": keys}

    def knows(self, kid: str) -> bool:
        """Whether `kid` is one of the ring's keys."""
        return kid in self._kids


def generate_signing_key(kid: str | None = None) -> dict[str, Any]:
    """A new private P-256 JWK for ``JWT_SIGNING_KEYS`` (``mantimon users new-signing-key``)."""
    key = ECKey.generate_key("P-256", parameters={"kid": kid or uuid.uuid4().hex[:12]})
    return dict(key.as_dict(private=True))


def issue_access_token(
    keys: KeyRing,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    is_guest: bool,
    ttl_seconds: int,
    now: float | None = None,
) -> str:
    """Sign an access token valid for `ttl_seconds` from `now` (default: the clock)."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "sid": str(session_id),
        "guest": is_guest,
        "iat": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    header = {"alg": ALGORITHM, "kid": keys.signing.kid, "typ": "JWT"}
    return jwt.encode(header, claims, keys.signing, algorithms=[ALGORITHM])


def _claims_registry(now: float | None) -> JWTClaimsRegistry:
    return JWTClaimsRegistry(
        now=None if now is None else int(now),
        leeway=0,
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
        exp={"essential": True},
        sub={"essential": True},
        sid={"essential": True},
    )


def verify_access_token(keys: KeyRing, token: str, *, now: float | None = None) -> AccessClaims:
    """Check `token`'s algorithm, key, signature and claims; return what it says.

    Does no I/O: the caller still asks whether the session is live and the user exists.

    Raises:
        NotAuthenticatedError: the token is not one this service issued and still accepts.
    """
    try:
        header = json.loads(_b64decode(token.split(".", 1)[0]))
        kid = header.get("kid") if isinstance(header, dict) else None
        if header.get("alg") != ALGORITHM or not isinstance(kid, str) or not keys.knows(kid):
            raise NotAuthenticatedError("the access token is not signed by a key of this service")
        decoded = jwt.decode(token, keys.verifying, algorithms=[ALGORITHM])
        _claims_registry(now).validate(decoded.claims)
        claims = decoded.claims
        return AccessClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            session_id=uuid.UUID(str(claims["sid"])),
            expires_at=int(claims["exp"]),
            is_guest=bool(claims.get("guest", False)),
        )
    except NotAuthenticatedError:
        raise
    except (JoseError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise NotAuthenticatedError("the access token is invalid or expired") from None


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
