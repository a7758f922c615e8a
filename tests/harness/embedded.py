"""Data folders for tests of the shared embedded servers, and a way to count their processes.

The first PostgreSQL start in a folder runs initdb (seconds on a busy machine),
so one initialised cluster is made per run and copied into each test's own
folder. Processes are counted from ``/proc`` directly, independently of the
registry under test: a postmaster is a process run as ``postgres -D <folder>``,
a Redis one whose program is ``redis-server`` and whose working directory is its
folder (Redis renames its command line, but runs in its ``--dir``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db.embedded_servers import ServerRegistry

PROC = Path("/proc")


def _processes() -> Iterator[tuple[int, int, list[str], str, str]]:
    """(pid, parent pid, arguments, program, working directory) of every live process."""
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            program = os.readlink(entry / "exe")
            directory = os.readlink(entry / "cwd")
            state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if state != "Z":
            yield (
                int(entry.name),
                int(parent),
                [a.decode() for a in arguments if a],
                program,
                directory,
            )


def _servers(matches: list[tuple[int, int]]) -> list[int]:
    """The matching processes whose parent does not match too.

    A server's freshly forked child (a PostgreSQL backend before it renames its
    command line, a Redis snapshot writer) briefly looks just like the server.
    """
    pids = {pid for pid, _parent in matches}
    return sorted(pid for pid, parent in matches if parent not in pids)


def postmaster_pids(data_dir: Path) -> list[int]:
    """PostgreSQL servers (postmasters, not their workers) running on `data_dir`/postgres."""
    folder = str((data_dir / "postgres").resolve())
    return _servers(
        [
            (pid, parent)
            for pid, parent, arguments, _program, _cwd in _processes()
            if "-D" in arguments and folder in arguments
        ]
    )


def redis_pids(data_dir: Path) -> list[int]:
    """Redis servers running with `data_dir`/redis as their data folder."""
    folder = str((data_dir / "redis").resolve())
    return _servers(
        [
            (pid, parent)
            for pid, parent, _arguments, program, cwd in _processes()
            if Path(program).name == "redis-server" and cwd == folder
        ]
    )


def kill_all(data_dir: Path) -> None:
    """SIGKILL every server of `data_dir` and wait until they are gone."""
    for pid in postmaster_pids(data_dir) + redis_pids(data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (postmaster_pids(data_dir) or redis_pids(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(scope="session")
def initialised_postgres(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose PostgreSQL cluster has been initialised once, then stopped."""
    data_dir = tmp_path_factory.mktemp("embedded-template")
    with ServerRegistry(data_dir).use("postgres"):
        pass
    assert not postmaster_pids(data_dir)
    return data_dir / "postgres"


@pytest.fixture
def data_dir(tmp_path: Path, initialised_postgres: Path) -> Iterator[Path]:
    """This test's own DATA_DIR, with an initialised cluster; no server is left running after it."""
    folder = tmp_path / "data"
    folder.mkdir()
    # cp -a keeps the owner: as root, the cluster belongs to the 'embedded_postgres' user
    subprocess.run(["cp", "-a", str(initialised_postgres), str(folder / "postgres")], check=True)
    try:
        yield folder
    finally:
        kill_all(folder)
