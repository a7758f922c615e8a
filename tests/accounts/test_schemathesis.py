"""schemathesis over the whole API, signed in, against a real uvicorn server on this run's stores.

The server runs in a thread of this process (its own event loop, the real
lifespan, this run's PostgreSQL and Redis); schemathesis runs as its own
process against it, as a client would, with the checks that make up "no 5xx and
no schema violation". `SCHEMATHESIS_MAX_EXAMPLES` deepens a run (the default
keeps the suite fast); the command line is printed so a run can be repeated.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.db.embedded_redis import free_tcp_port
from app.main import create_app
from tests.accounts.conftest import _current_user_dependency, _user_from_test_header
from tests.api.conftest import make_settings
from tests.db.factories import new_user

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance"
)


@pytest.fixture(scope="module")
def live_server(database_url: str, redis_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The app on a real port, and the headers of a signed-in user who chose a starter."""
    app = create_app(make_settings(database_url, redis_url, db_pool_size=5, db_max_overflow=5))
    app.dependency_overrides[_current_user_dependency()] = _user_from_test_header
    port = free_tcp_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="schemathesis-uvicorn", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the server stopped during start-up"
        assert time.monotonic() < deadline, "the server did not start within 60s"
        time.sleep(0.1)
    try:
        headers = asyncio.run(_signed_in(database_url, base))
        yield base, headers
    finally:
        server.should_exit = True
        thread.join(60)


async def _signed_in(database_url: str, base: str) -> dict[str, str]:
    """A new user who chose a starter deck (made on an engine of this thread's own loop)."""
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            user = new_user()
            session.add(user)
            await session.commit()
            headers = {"X-Test-User": str(user.id)}
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=base, headers=headers) as client:
        chosen = await client.post("/api/v1/me/starter", json={"starter_type": "fire"})
        assert chosen.status_code == 201, chosen.text
    return headers


def schemathesis_command(base: str, headers: dict[str, str], report: Path) -> list[str]:
    examples = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15")
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        examples,
        "--seed",
        os.environ.get("SCHEMATHESIS_SEED", "17"),
        "--workers",
        "2",
        "--generation-database",
        "none",
        "--continue-on-failure",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return command


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, headers = live_server
    report = tmp_path / "junit.xml"
    command = schemathesis_command(base, headers, report)
    print("schemathesis:", shlex.join(command))  # noqa: T201 - the command to repeat the run
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    output = result.stdout + result.stderr
    print(output[-6000:])  # noqa: T201
    assert result.returncode == 0, output[-6000:]
    assert "Server error" not in output
    summary = json.dumps({"returncode": result.returncode})
    assert summary
