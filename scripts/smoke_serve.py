"""Start ``mantimon serve`` as a user would, wait for /ready, fetch a card, stop it with SIGTERM.

Run by .ci/run with DATABASE_URL and REDIS_URL unset, so it exercises the
embedded default: real PostgreSQL and Redis from pip packages under a
temporary DATA_DIR. Exits non-zero, with the server's output, on any failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from app.db.embedded_redis import free_tcp_port

READY_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main() -> int:
    port = free_tcp_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="mantimon-smoke-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"ENVIRONMENT": "dev", "DATA_DIR": str(data_dir), "LOG_LEVEL": "INFO"}
    mantimon = Path(sys.executable).with_name("mantimon")
    log = data_dir / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(mantimon), "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            started = time.monotonic()
            status: int = 0
            body: dict[str, object] = {}
            while time.monotonic() - started < READY_TIMEOUT:
                if server.poll() is not None:
                    break
                try:
                    status, body = get(f"{base}/ready")
                except OSError:
                    status = 0
                if status == 200:
                    break
                time.sleep(0.5)
            if status != 200:
                print(f"smoke: /ready never answered 200 (last {status} {body})")
                return 1
            print(f"smoke: ready after {time.monotonic() - started:.1f}s: {body}")
            status, card = get(f"{base}/api/v1/cards/mv1-001")
            print(f"smoke: GET /api/v1/cards/mv1-001 -> {status} {card.get('name')}")
            if status != 200:
                return 1
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                code = -9
            text = log.read_text(errors="replace")
            # uvicorn re-raises SIGTERM after a complete shutdown, as Unix services do
            clean = code in (0, -signal.SIGTERM) and "Application shutdown complete" in text
            print(f"smoke: server exited with {code} ({'clean' if clean else 'NOT clean'})")
            if not clean:
                print(text)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
