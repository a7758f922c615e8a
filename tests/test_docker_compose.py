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


def _example(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docs" / "deploy" / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_sentinel_example_has_three_sentinels_and_points_the_service_at_them() -> None:
    services = _example("sentinel.compose.yml")["services"]
    sentinels = [name for name in services if name.startswith("sentinel-")]
    assert len(sentinels) == 3
    script = " ".join(services["sentinel-1"]["command"])
    assert "sentinel monitor mantimon redis-primary 6379 2" in script
    assert "--sentinel" in script
    env = services["app"]["environment"]
    assert env["REDIS_SENTINELS"] == ",".join(f"{name}:26379" for name in sentinels)
    assert env["REDIS_SENTINEL_MASTER"] == "mantimon"
    assert "REDIS_URL" not in env


def test_the_cluster_example_creates_three_primaries_with_replicas() -> None:
    services = _example("cluster.compose.yml")["services"]
    nodes = [name for name in services if name.startswith("redis-")]
    assert len(nodes) == 6
    assert "--cluster-enabled yes" in services["redis-1"]["command"]
    create = services["cluster-create"]["command"]
    assert "--cluster-replicas 1" in create
    assert all(f"{name}:6379" in create for name in nodes)
    env = services["app"]["environment"]
    assert env["REDIS_CLUSTER"] == "true"
    assert env["REDIS_URL"].startswith("redis://redis-1:")


def test_the_pgbouncer_example_pools_transactions_and_migrates_directly() -> None:
    services = _example("pgbouncer.compose.yml")["services"]
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    app = services["app"]["environment"]
    assert "@pgbouncer:" in app["DATABASE_URL"]
    assert app["DB_STATEMENT_CACHE_SIZE"] == "0"
    migrate = services["migrate"]
    assert migrate["command"] == ["mantimon", "db", "upgrade"]
    assert "@postgres:5432/" in migrate["environment"]["DATABASE_URL"]
    assert services["app"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
