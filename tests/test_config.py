"""Settings: environment parsing, secrets kept out of reprs, and refusal of unsafe deployments."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from app.config import (
    DEFAULT_SECRET_KEY,
    Environment,
    Settings,
    SettingsError,
    get_settings,
    hide_password,
    load_settings,
    to_asyncpg_url,
)
from tests.accounts.keys import signing_keys_json

PROD_OK = {
    "environment": "prod",
    "secret_key": "a-long-random-production-secret",
    "database_url": "postgresql://u:pw@db.internal:5432/mantimon",
    "redis_url": "redis://cache.internal:6379/0",
    "jwt_signing_keys": signing_keys_json(),
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "ENVIRONMENT",
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "LOG_LEVEL",
        "JWT_SIGNING_KEYS",
        "DEV_SIGN_IN",
        "REDIS_SENTINELS",
        "REDIS_SENTINEL_MASTER",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout


def test_defaults_are_a_working_dev_configuration() -> None:
    settings = load_settings()
    assert settings.environment is Environment.DEV
    assert settings.database_url is None
    assert settings.redis_url is None
    assert settings.secret_key.get_secret_value() == DEFAULT_SECRET_KEY
    assert settings.cards_dir.name == "cards"


def test_reads_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "staging")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@h:5432/db")
    monkeypatch.setenv("REDIS_URL", "redis://h:6379/1")
    monkeypatch.setenv("SECRET_KEY", "s3cret-value")
    monkeypatch.setenv("JWT_SIGNING_KEYS", signing_keys_json())
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.environment is Environment.STAGING
    assert settings.environment.is_deployed
    assert settings.database_url == "postgresql+asyncpg://u:pw@h:5432/db"
    assert settings.db_pool_size == 3
    assert settings.log_level == "DEBUG"


def test_reads_a_dot_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("REDIS_URL=redis://from-dotenv:6379/2\nDB_MAX_OVERFLOW=7\n")
    settings = load_settings()
    assert settings.redis_url == "redis://from-dotenv:6379/2"
    assert settings.db_max_overflow == 7


def test_blank_urls_count_as_unset() -> None:
    settings = load_settings(database_url="  ", redis_url="")
    assert (settings.database_url, settings.redis_url) == (None, None)


def test_secrets_never_appear_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        **PROD_OK,
        google_client_secret="google-very-secret",
        discord_client_secret="discord-very-secret",
    )
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings: %s / %r", settings, settings)
    shown = repr(settings) + str(settings) + caplog.text
    for secret in ("a-long-random-production-secret", "google-very-secret", "pw@", "discord-very"):
        assert secret not in shown


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"secret_key": DEFAULT_SECRET_KEY}, "SECRET_KEY must be set to a non-default value"),
        ({"secret_key": ""}, "SECRET_KEY must be set"),
        ({"database_url": None}, "DATABASE_URL must be set in prod"),
        ({"redis_url": None}, "REDIS_URL must be set in prod"),
        ({"jwt_signing_keys": None}, "JWT_SIGNING_KEYS must be set in prod"),
        ({"dev_sign_in": True}, "DEV_SIGN_IN cannot be enabled in prod"),
        ({"jwt_signing_keys": "not json"}, "JWT_SIGNING_KEYS: expected a JWKS"),
        ({"jwt_signing_keys": '{"keys": []}'}, "expected at least one key"),
        ({"jwt_signing_keys": '{"keys": [{"kty": "EC"}]}'}, "every key needs a kid"),
        (
            {"jwt_signing_keys": '{"keys": [{"kty": "oct", "kid": "a", "k": "x"}]}'},
            "every key must be a private EC P-256 key",
        ),
    ],
)
def test_prod_refuses_missing_or_default_settings(
    overrides: dict[str, str | None],
    expected: str,
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**(PROD_OK | overrides))
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_prod_with_everything_set_starts() -> None:
    assert load_settings(**PROD_OK).environment is Environment.PROD


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("environment", "production", "ENVIRONMENT: Input should be 'dev', 'staging', 'prod'"),
        ("database_url", "mysql://u@h/db", "DATABASE_URL: expected a postgresql:// URL"),
        ("database_url", "not a url at all", "DATABASE_URL: not a valid URL"),
        ("redis_url", "http://h:6379", "REDIS_URL: expected a redis://"),
        ("db_pool_size", "0", "DB_POOL_SIZE: Input should be greater than or equal to 1"),
        ("redis_pool_timeout", "0", "REDIS_POOL_TIMEOUT: Input should be greater than 0"),
        ("log_level", "LOUD", "LOG_LEVEL: Input should be 'DEBUG'"),
    ],
)
def test_invalid_values_name_the_variable(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        load_settings(**{name: value})


def test_redis_url_error_hides_its_password() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(redis_url="http://user:hunter2@h:6379")
    assert "hunter2" not in str(caught.value)


def test_url_helpers() -> None:
    assert to_asyncpg_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert hide_password("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert hide_password("::::") == "<unparseable URL>"
    assert hide_password("redis://u:pw@h:port/0") == "<unparseable URL>"


def test_get_settings_is_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("DB_POOL_SIZE", "4")
    first = get_settings()
    monkeypatch.setenv("DB_POOL_SIZE", "5")
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().db_pool_size == 5
    get_settings.cache_clear()


def test_settings_can_be_built_directly_in_tests() -> None:
    settings = Settings(environment=Environment.TEST, redis_key_prefix="t:")
    assert settings.redis_key_prefix == "t:"


def test_sentinel_settings_are_parsed_and_checked() -> None:
    settings = load_settings(
        redis_sentinels=" 127.0.0.1:26379, [::1]:26380 ,s.internal:26381",
        redis_sentinel_master="mantimon",
        redis_sentinel_password="sentinel-secret",
        redis_password="redis-secret",
    )
    assert settings.redis_sentinel_addresses == [
        ("127.0.0.1", 26379),
        ("::1", 26380),
        ("s.internal", 26381),
    ]
    assert settings.redis_configured
    assert "sentinel-secret" not in repr(settings)
    assert "redis-secret" not in repr(settings)
    assert not load_settings(redis_url=None, redis_sentinels="").redis_configured


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"redis_sentinels": "127.0.0.1"}, "REDIS_SENTINELS: expected host:port entries"),
        ({"redis_sentinels": "h:0", "redis_sentinel_master": "m"}, "got 'h:0'"),
        ({"redis_sentinels": "h:26379"}, "REDIS_SENTINEL_MASTER must name the monitored primary"),
        (
            {"redis_sentinels": "h:26379", "redis_sentinel_master": "m", "redis_url": "redis://h"},
            "REDIS_URL and REDIS_SENTINELS are both set",
        ),
        ({"db_statement_cache_size": -1}, "DB_STATEMENT_CACHE_SIZE"),
    ],
)
def test_topology_settings_refuse_mistakes(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(**overrides)


def test_sentinels_count_as_redis_in_prod() -> None:
    settings = load_settings(
        environment="prod",
        secret_key="a-real-secret",
        database_url="postgresql://h/db",
        redis_sentinels="h:26379",
        redis_sentinel_master="mantimon",
        jwt_signing_keys=signing_keys_json(),
    )
    assert settings.redis_url is None
