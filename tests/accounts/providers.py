"""Real sign-in providers for the tests, each a process of its own on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running(
    command: list[str], ready_url: str, log: Path, *, ok: tuple[int, ...] = (200,)
) -> Iterator[None]:
    """Start `command`, wait until `ready_url` answers one of `ok`, stop it afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=os.environ.copy()
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(ready_url, timeout=1).status_code in ok:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def oidc_command(port: int) -> list[str]:
    script = Path(sys.executable).parent / "oidc-provider-mock"
    return [str(script), "--host", "127.0.0.1", "--port", str(port), "--require-nonce", "true"]


def discord_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.accounts.discord_server:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
