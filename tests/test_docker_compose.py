"""docker-compose.yml is for users (no Docker engine runs here): it parses and says what it must."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_postgres_15_on_host_port_5433_with_health_check_and_volume() -> None:
    postgres = _compose()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert "5433:5432" in postgres["ports"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.startswith("postgres-data:") for v in postgres["volumes"])
    assert "postgres-data" in _compose()["volumes"]


def test_redis_7_on_host_port_6380_without_persistence() -> None:
    redis = _compose()["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    assert "6380:6379" in redis["ports"]
    assert "ping" in redis["healthcheck"]["test"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "no"


def test_services_share_a_network() -> None:
    compose = _compose()
    assert set(compose["networks"]) == {"mantimon"}
    for service in compose["services"].values():
        assert service["networks"] == ["mantimon"]


def test_env_example_points_at_the_compose_ports() -> None:
    values = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    postgres = _compose()["services"]["postgres"]["environment"]
    assert values["DATABASE_URL"].endswith(
        f"{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}@127.0.0.1:5433/"
        f"{postgres['POSTGRES_DB']}",
    )
    assert values["REDIS_URL"].startswith("redis://127.0.0.1:6380/")
