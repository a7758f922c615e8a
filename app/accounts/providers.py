"""The sign-in providers: Google (OpenID Connect) and Discord (OAuth 2.0), through Authlib.

Both use the authorization code flow with PKCE (S256) and ``state``; Google
also gets a ``nonce``, checked in its ID token. What a provider tells us is
reduced to a `ProviderProfile`: its stable subject, the e-mail it *vouches*
for (verified, else None) and a suggested display name. The provider's tokens
are used once, inside `Provider.exchange`, and never stored or logged.

Failures: a provider that cannot be reached, times out or answers what is not
OAuth is `ProviderUnavailableError` (a 502); a provider that refuses the code
(``invalid_grant``: reused, expired) or the player is `SignInError` (a 400).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2.rfc6749.errors import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from app.accounts.errors import ProviderNotConfiguredError, ProviderUnavailableError, SignInError
from app.config import Settings
from app.core.enums import OAuthProvider

with warnings.catch_warnings():
    # Authlib 1.9 warns, once per process and on every `mantimon` command, that its httpx
    # integration will need the `httpx2` package some day. The locked httpx 0.28 is the one
    # it supports until Authlib 2, which pyproject.toml's range leaves out: moving to httpx2
    # is that upgrade's work, and the warning says nothing a player or operator can act on.
    warnings.filterwarnings(
        "ignore", "The httpx module is deprecated", category=AuthlibDeprecationWarning
    )
    from authlib.integrations.httpx_client import AsyncOAuth2Client

logger = logging.getLogger(__name__)

_ID_TOKEN_ALGORITHMS = ["RS256", "ES256", "PS256"]


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    """Who the provider says the player is; nothing else from it is kept."""

    provider: OAuthProvider
    subject: str
    email: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class Authorization:
    """Where to send the browser, and what the callback must check it against."""

    url: str
    code_verifier: str
    nonce: str | None


class Provider:
    """One configured provider: builds authorization URLs and exchanges codes."""

    kind: OAuthProvider
    scope: str

    def __init__(self, settings: Settings, client_id: str, client_secret: str) -> None:
        self._settings = settings
        self._client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = (
            f"{settings.public_base_url.rstrip('/')}/api/v1/auth/{self.kind.value}/callback"
        )

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self._client_id,
            client_secret=self._client_secret,
            scope=self.scope,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=self._settings.oauth_timeout_seconds,
        )

    async def authorization(self, state: str, code_verifier: str, nonce: str) -> Authorization:
        """The provider's authorization URL for this attempt."""
        raise NotImplementedError

    async def exchange(self, code: str, code_verifier: str, nonce: str | None) -> ProviderProfile:
        """Redeem `code` and learn who signed in.

        Raises:
            SignInError: the provider refused the code.
            ProviderUnavailableError: the provider is down or answered nonsense.
        """
        raise NotImplementedError

    async def _fetch_token(self, url: str, code: str, code_verifier: str) -> dict[str, Any]:
        async with self._client() as client:
            try:
                token = await client.fetch_token(
                    url, grant_type="authorization_code", code=code, code_verifier=code_verifier
                )
            except (OAuth2Error, OAuthError) as exc:
                error = str(getattr(exc, "error", "") or "error")[:40]
                logger.info("%s refused a code: %s", self.kind.value, error)
                raise SignInError(f"{self.kind.value} refused the sign-in ({error})") from None
            except (httpx.HTTPError, ValueError) as exc:
                raise self._unavailable(exc) from None
        if not isinstance(token, dict) or "access_token" not in token:
            raise ProviderUnavailableError(f"{self.kind.value} answered without an access token")
        return dict(token)

    def _unavailable(self, exc: BaseException) -> ProviderUnavailableError:
        logger.warning("%s unavailable: %s", self.kind.value, type(exc).__name__)
        return ProviderUnavailableError(
            f"{self.kind.value} could not be reached or gave an unusable answer; try again later"
        )


class GoogleProvider(Provider):
    """OpenID Connect, configured from its discovery document (read once, then cached)."""

    kind = OAuthProvider.GOOGLE
    scope = "openid email profile"

    def __init__(self, settings: Settings, client_id: str, client_secret: str) -> None:
        super().__init__(settings, client_id, client_secret)
        self._metadata: dict[str, Any] | None = None

    async def _discovery(self) -> dict[str, Any]:
        if self._metadata is None:
            try:
                async with httpx.AsyncClient(timeout=self._settings.oauth_timeout_seconds) as http:
                    response = await http.get(self._settings.google_discovery_url)
                    response.raise_for_status()
                    metadata = response.json()
                    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
                    if not isinstance(metadata, dict) or not all(k in metadata for k in needed):
                        raise ValueError("incomplete discovery document")
            except (httpx.HTTPError, ValueError) as exc:
                raise self._unavailable(exc) from None
            self._metadata = metadata
        return self._metadata

    async def authorization(self, state: str, code_verifier: str, nonce: str) -> Authorization:
        """The provider's authorization URL for this attempt, with PKCE and a nonce."""
        metadata = await self._discovery()
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"],
                state=state,
                code_verifier=code_verifier,
                nonce=nonce,
            )
        return Authorization(str(url), code_verifier, nonce)

    async def exchange(self, code: str, code_verifier: str, nonce: str | None) -> ProviderProfile:
        """Redeem `code`; check the ID token's signature, issuer, audience, expiry and nonce."""
        metadata = await self._discovery()
        token = await self._fetch_token(metadata["token_endpoint"], code, code_verifier)
        id_token = token.get("id_token")
        if nonce is None:
            raise SignInError("the sign-in attempt has no nonce: start again")
        if not isinstance(id_token, str):
            raise ProviderUnavailableError("google answered without an ID token")
        try:
            async with httpx.AsyncClient(timeout=self._settings.oauth_timeout_seconds) as http:
                response = await http.get(metadata["jwks_uri"])
                response.raise_for_status()
                keys = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            raise self._unavailable(exc) from None
        try:
            decoded = jwt.decode(id_token, keys, algorithms=_ID_TOKEN_ALGORITHMS)
            JWTClaimsRegistry(
                iss={"essential": True, "value": metadata["issuer"]},
                aud={"essential": True, "value": self._client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            logger.warning("google ID token refused: %s", type(exc).__name__)
            raise SignInError("the ID token from google did not check out") from None
        claims = decoded.claims
        email = claims.get("email") if claims.get("email_verified") is True else None
        name = claims.get("name") or claims.get("given_name")
        return ProviderProfile(
            provider=self.kind,
            subject=str(claims["sub"]),
            email=str(email) if email else None,
            name=str(name) if name else None,
        )


class DiscordProvider(Provider):
    """OAuth 2.0 only: who signed in comes from the user endpoint, whose key is ``id``."""

    kind = OAuthProvider.DISCORD
    scope = "identify email"

    async def authorization(
        self,
        state: str,
        code_verifier: str,
        nonce: str,  # noqa: ARG002 - OAuth 2.0 has no nonce
    ) -> Authorization:
        """The provider's authorization URL for this attempt, with PKCE (no nonce: not OIDC)."""
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                self._settings.discord_authorize_url, state=state, code_verifier=code_verifier
            )
        return Authorization(str(url), code_verifier, None)

    async def exchange(
        self,
        code: str,
        code_verifier: str,
        nonce: str | None,  # noqa: ARG002 - OAuth 2.0 has no nonce
    ) -> ProviderProfile:
        """Redeem `code`, then read ``/users/@me`` with the provider's access token once."""
        token = await self._fetch_token(self._settings.discord_token_url, code, code_verifier)
        try:
            async with httpx.AsyncClient(timeout=self._settings.oauth_timeout_seconds) as http:
                response = await http.get(
                    self._settings.discord_user_url,
                    headers={"Authorization": f"Bearer {token['access_token']}"},
                )
                response.raise_for_status()
                user = response.json()
                if not isinstance(user, dict) or not user.get("id"):
                    raise ValueError("no id in the user object")
        except (httpx.HTTPError, ValueError) as exc:
            raise self._unavailable(exc) from None
        email = user.get("email") if user.get("verified") is True else None
        name = user.get("global_name") or user.get("username")
        return ProviderProfile(
            provider=self.kind,
            subject=str(user["id"]),
            email=str(email) if email else None,
            name=str(name) if name else None,
        )


def configured_providers(settings: Settings) -> dict[OAuthProvider, Provider]:
    """The providers with a client id and secret in `settings`."""
    providers: dict[OAuthProvider, Provider] = {}
    if settings.google_client_id and settings.google_client_secret:
        providers[OAuthProvider.GOOGLE] = GoogleProvider(
            settings, settings.google_client_id, settings.google_client_secret.get_secret_value()
        )
    if settings.discord_client_id and settings.discord_client_secret:
        providers[OAuthProvider.DISCORD] = DiscordProvider(
            settings, settings.discord_client_id, settings.discord_client_secret.get_secret_value()
        )
    return providers


def provider_named(providers: dict[OAuthProvider, Provider], name: str) -> Provider:
    """The configured provider called `name`.

    Raises:
        ProviderNotConfiguredError: unknown, the dev sign-in, or not configured here.
    """
    try:
        return providers[OAuthProvider(name)]
    except (ValueError, KeyError):
        raise ProviderNotConfiguredError(f"no sign-in provider {name!r} here") from None
