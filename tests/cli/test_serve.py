"""``mantimon serve`` as an operator runs it: a real process, real servers, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.db.embedded_redis import free_tcp_port

STARTUP_TIMEOUT = 60.0


def test_serve_answers_then_flushes_and_exits_cleanly_on_sigterm(
    database_url: str,
    redis_url: str,
    redis_key_prefix: str,
    tmp_path: Path,
) -> None:
    port = free_tcp_port()
    env = os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": redis_key_prefix,
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "serve.log"
    mantimon = Path(sys.executable).with_name("mantimon")
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(mantimon), "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + STARTUP_TIMEOUT
            ready = None
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    ready = httpx.get(f"{base}/ready", timeout=2)
                    if ready.status_code == httpx.codes.OK:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            assert ready is not None, log.read_text()
            assert ready.status_code == httpx.codes.OK, ready.text
            card = httpx.get(f"{base}/api/v1/cards/mv1-001", timeout=5)
            assert card.json()["id"] == "mv1-001"
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
    text = log.read_text()
    # uvicorn re-raises the signal once shutdown is complete, as Unix services conventionally do
    assert code in (0, -signal.SIGTERM), text
    assert "Application shutdown complete" in text
    assert "start-up: " in text
    assert "shutdown: flush dirty games" in text
    assert "Traceback" not in text
