"""Environment-based settings.

Every setting is read from an environment variable of the same name in upper
case (``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` ...) or from an optional
``.env`` file in the working directory. Secrets are `SecretStr` and connection
URLs are kept out of ``repr`` so neither reaches a log line.

`load_settings` turns validation failures into one `SettingsError` whose lines
each name the offending variable, so a misconfigured deployment stops at
start-up with a message an operator can act on.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.errors import MantimonError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - the placeholder prod refuses
_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+asyncpg"}
_REDIS_SCHEMES = {"redis", "rediss", "unix"}

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Environment(StrEnum):
    """Where the process runs; decides which safety checks apply at start-up."""

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"
    TEST = "test"

    @property
    def is_deployed(self) -> bool:
        """Staging and prod serve real players: no defaults, no embedded servers."""
        return self in (Environment.STAGING, Environment.PROD)


class SettingsError(MantimonError):
    """The configuration is unusable; each line of the message names one variable."""


def to_asyncpg_url(url: str) -> str:
    """Return `url` with the asyncpg driver, whichever PostgreSQL scheme it was given with.

    Raises:
        ValueError: the URL does not parse or is not a PostgreSQL URL.
    """
    try:
        parsed: URL = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    if parsed.drivername not in _POSTGRES_SCHEMES:
        raise ValueError(
            f"expected a postgresql:// URL, got scheme {parsed.drivername!r}",
        )
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def parse_sentinels(value: str) -> list[tuple[str, int]]:
    """``"h1:26379,h2:26379"`` as ``[("h1", 26379), ("h2", 26379)]``.

    Raises:
        ValueError: an entry is not ``host:port`` with a port in 1..65535, or there is none.
    """
    addresses: list[tuple[str, int]] = []
    for entry in (part.strip() for part in value.split(",")):
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected host:port entries separated by commas, got {entry!r}")
        addresses.append((host.strip("[]"), int(port)))
    return addresses


def hide_password(url: str) -> str:
    """Render a URL with its password masked, for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable URL>"


class Settings(BaseSettings):
    """The whole configuration of one process, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    environment: Environment = Environment.DEV
    log_level: LogLevel = "INFO"

    database_url: str | None = Field(default=None, repr=False)
    redis_url: str | None = Field(default=None, repr=False)
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)

    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    """Where Google's OpenID Connect endpoints and keys are read from (tests: a local one)."""
    discord_client_id: str | None = None
    discord_client_secret: SecretStr | None = None
    discord_authorize_url: str = "https://discord.com/oauth2/authorize"
    discord_token_url: str = "https://discord.com/api/oauth2/token"  # noqa: S105 - a URL
    discord_user_url: str = "https://discord.com/api/users/@me"
    oauth_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    public_base_url: str = "http://127.0.0.1:8000"
    """The service's own address as browsers reach it: the providers redirect back under it."""
    auth_redirect_allowlist: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000/", "http://localhost:8000/"]
    )
    """URL prefixes a sign-in may send the browser back to; anything else is refused."""

    jwt_signing_keys: SecretStr | None = Field(default=None, repr=False)
    """A JWKS (JSON ``{"keys": [...]}``) of private EC P-256 keys, each with a ``kid``.

    The first key signs new access tokens; the others only verify, so a rotated
    key keeps tokens it signed valid until it is removed (retired). Unset in dev
    and test: one key derived from ``SECRET_KEY``; staging and prod refuse that.
    """
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    session_check_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    """How long a process trusts that a session is still live before asking PostgreSQL again."""
    auth_rate_limit: int = Field(default=20, ge=1)
    """Sign-in and refresh attempts allowed per client address, and per account, per window."""
    auth_rate_window_seconds: int = Field(default=60, ge=1, le=86_400)
    dev_sign_in: bool | None = None
    """The development sign-in (a name, no provider); unset means on in dev and test only."""
    guest_max_idle_days: int = Field(default=30, ge=1)
    """Guests not seen for this long are deleted by ``mantimon users cleanup-guests``."""

    db_pool_size: int = Field(default=10, ge=1, le=1000)
    db_max_overflow: int = Field(default=20, ge=0, le=1000)
    db_pool_timeout: float = Field(default=30.0, gt=0)
    db_pool_recycle: int = Field(default=1800, ge=-1)
    db_pool_pre_ping: bool = True
    """Test each pooled connection before use: survives a database restart, costs a round trip."""
    db_echo: bool = False
    db_statement_cache_size: int = Field(default=100, ge=0, le=100_000)
    """asyncpg's prepared statements cached per connection; 0 behind PgBouncer's transactions.

    With 0 every statement is prepared under a name of its own and never reused, so a
    server connection PgBouncer hands to the next transaction never meets a name it
    does not hold (or one it already holds).
    """

    redis_max_connections: int = Field(default=50, ge=1, le=100_000)
    redis_pool_timeout: float = Field(default=20.0, gt=0)
    """How long a caller waits for a free pooled connection before the pool reports itself busy.

    Long enough that callers queued behind a hung server (which holds each connection
    for up to the socket timeout times the retry attempts) see that real failure
    themselves, and so an outage, rather than a busy pool.
    """
    redis_socket_timeout: float = Field(default=5.0, gt=0)
    redis_connect_timeout: float = Field(default=2.0, gt=0)
    redis_health_check_interval: int = Field(default=30, ge=0)
    redis_retry_attempts: int = Field(default=3, ge=0, le=20)
    redis_key_prefix: str = "mantimon:"
    redis_cluster: bool = False
    """REDIS_URL names one node of a Redis Cluster; the client finds the others."""
    redis_sentinels: str | None = Field(default=None, repr=False)
    """``host:port,host:port,...``: find the Redis primary through these sentinels."""
    redis_sentinel_master: str | None = None
    """The name the sentinels monitor the primary under (``sentinel monitor <name> ...``)."""
    redis_sentinel_password: SecretStr | None = None
    """The sentinels' own password (``requirepass`` in sentinel.conf), if they have one."""
    redis_sentinel_check_interval: float = Field(default=1.0, gt=0, le=60)
    """How often a pool asks the sentinels where the primary is, besides on every new connection."""
    redis_password: SecretStr | None = None
    """The primary's and replicas' password under Sentinel (with REDIS_URL it is in the URL)."""
    redis_db: int = Field(default=0, ge=0, le=15)
    """The database number under Sentinel (with REDIS_URL it is the URL's path)."""
    game_cache_ttl_seconds: int = Field(default=86_400, ge=60)
    game_flush_interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    """How often the service writes games whose latest turn is only in Redis to PostgreSQL."""

    free_deck_slots: int = Field(default=5, ge=0, le=10_000)
    """How many decks a free account may hold (its starter deck included)."""
    premium_deck_slots: int | None = Field(default=None, ge=0, le=10_000)
    """How many decks a premium account may hold; unset (the default) means no limit."""

    time_control_bot: str = "off"
    """The battle timer of games against a bot (`app.play.clock.TimeControl.parse`): off."""
    time_control_friend: str = "bank=300s increment=15s cap=180s warn=30s timeouts=3 grace=60s"
    """The battle timer of a private game by invite (``off`` for none)."""
    time_control_casual: str = "bank=300s increment=15s cap=180s warn=30s timeouts=3 grace=60s"
    """The battle timer of a casual quick match."""
    time_control_ranked: str = "bank=210s increment=10s cap=150s warn=30s timeouts=3 grace=60s"
    """The battle timer of a ranked quick match (Showdown's ladder timer is the anchor)."""
    bot_grace_seconds: float = Field(default=0.0, ge=0)
    """How long a bot game's player may stay away before losing by abandonment (0: never)."""
    bot_think_ms: int = Field(default=600, ge=0, le=60_000)
    """How long a bot waits before it plays, so a person can follow its moves."""
    spectator_delay_seconds: float = Field(default=0.0, ge=0, le=3600)
    """How far behind the game spectators of casual, friend and bot games are held."""
    spectator_delay_ranked_seconds: float = Field(default=60.0, ge=0, le=3600)
    """How far behind a ranked game its spectators are held, so a friend cannot coach."""
    invite_ttl_seconds: int = Field(default=900, ge=10, le=7 * 86_400)
    """How long an invite code to a private game can be used."""
    play_allowed_origins: list[str] = Field(default_factory=list)
    """Browser origins allowed to open the game WebSocket besides the service's own
    (``PUBLIC_BASE_URL``'s); a client that sends no Origin (not a browser) is let through."""
    play_rate_per_second: float = Field(default=10.0, gt=0)
    """Messages a connection may send per second, on average."""
    play_rate_burst: int = Field(default=40, ge=1)
    """Messages a connection may send at once before the rate applies."""
    play_session_check_seconds: float = Field(default=15.0, gt=0, le=3600)
    """How often a game connection checks that its sign-in session is still live; one that
    was revoked (sign-out, sign-out everywhere, a deleted account) is closed."""

    cards_dir: Path = PROJECT_ROOT / "data" / "cards"
    decks_dir: Path = PROJECT_ROOT / "data" / "decks"
    data_dir: Path = Path(".mantimon")

    @field_validator(
        "time_control_bot", "time_control_friend", "time_control_casual", "time_control_ranked"
    )
    @classmethod
    def _check_time_control(cls, value: str) -> str:
        from app.play.clock import TimeControl

        TimeControl.parse(value)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url", "redis_url", "redis_sentinels", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        return None if value is None else to_asyncpg_url(value)

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme, sep, _ = value.partition("://")
        if not sep or scheme not in _REDIS_SCHEMES:
            raise ValueError(
                f"expected a redis://, rediss:// or unix:// URL, got {hide_password(value)!r}",
            )
        return value

    @field_validator("jwt_signing_keys")
    @classmethod
    def _check_signing_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            keys = json.loads(value.get_secret_value())["keys"]
        except (ValueError, KeyError, TypeError):
            raise ValueError('expected a JWKS: a JSON object {"keys": [...]}') from None
        if not isinstance(keys, list) or not keys:
            raise ValueError("expected at least one key")
        kids = [key.get("kid") if isinstance(key, dict) else None for key in keys]
        if not all(isinstance(kid, str) and kid for kid in kids) or len(set(kids)) != len(kids):
            raise ValueError("every key needs a kid of its own")
        if not all(
            key.get("kty") == "EC" and key.get("crv") == "P-256" and "d" in key for key in keys
        ):
            raise ValueError("every key must be a private EC P-256 key (ES256)")
        return value

    @field_validator("redis_sentinels")
    @classmethod
    def _check_sentinels(cls, value: str | None) -> str | None:
        if value is not None:
            parse_sentinels(value)
        return value

    @property
    def redis_sentinel_addresses(self) -> list[tuple[str, int]]:
        """The sentinels' ``(host, port)`` pairs; empty when Redis is not found through Sentinel."""
        return [] if self.redis_sentinels is None else parse_sentinels(self.redis_sentinels)

    @property
    def redis_configured(self) -> bool:
        """Whether a Redis is configured (a URL or sentinels): if not, dev embeds one."""
        return self.redis_url is not None or self.redis_sentinels is not None

    @model_validator(mode="after")
    def _check_sentinel_settings(self) -> Settings:
        if self.redis_sentinels is None:
            return self
        if self.redis_url is not None:
            raise ValueError(
                "REDIS_URL and REDIS_SENTINELS are both set: use one "
                "(the sentinels find the primary)"
            )
        if not self.redis_sentinel_master:
            raise ValueError(
                "REDIS_SENTINEL_MASTER must name the monitored primary with REDIS_SENTINELS"
            )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_deployment(self) -> Settings:
        if not self.environment.is_deployed:
            return self
        env = self.environment.value
        if self.secret_key.get_secret_value() in ("", DEFAULT_SECRET_KEY):
            raise ValueError(f"SECRET_KEY must be set to a non-default value in {env}")
        if self.database_url is None:
            raise ValueError(f"DATABASE_URL must be set in {env}")
        if not self.redis_configured:
            raise ValueError(f"REDIS_URL must be set in {env} (or REDIS_SENTINELS)")
        if self.dev_sign_in:
            raise ValueError(f"DEV_SIGN_IN cannot be enabled in {env}")
        if self.jwt_signing_keys is None:
            raise ValueError(f"JWT_SIGNING_KEYS must be set in {env} (the default key is public)")
        return self

    @property
    def dev_sign_in_enabled(self) -> bool:
        """Whether the development sign-in is served: never in staging or prod."""
        if self.environment.is_deployed:
            return False
        return True if self.dev_sign_in is None else self.dev_sign_in


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"]).upper()
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def load_settings(**overrides: Any) -> Settings:
    """Build `Settings` from the environment, `.env` and `overrides`.

    Raises:
        SettingsError: one line per invalid or missing variable, each naming it.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(error) for error in exc.errors()]
        raise SettingsError("invalid settings: " + "; ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once; `get_settings.cache_clear()` rereads them."""
    return load_settings()
