"""schemathesis over the whole API, signed in, against a real uvicorn server on this run's stores.

The server runs in a thread of this process (its own event loop, the real
lifespan, this run's PostgreSQL and Redis); schemathesis runs as its own
process against it, as a client would, signed in as a guest (real sign-in) who
chose a starter deck, with the checks that make up "no 5xx and no schema
violation". The operations that end the session (logout, logout everywhere,
revoking a session, deleting the account) run last, in a run of their own, so they do not turn the
rest of the run into 401s. `SCHEMATHESIS_MAX_EXAMPLES` deepens a run (the
default keeps the suite fast), `SCHEMATHESIS_CHECKS=all` adds schemathesis's other
checks; each command line is printed so a run can be repeated.
"""

from __future__ import annotations

import asyncio
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

from app.db.embedded_redis import free_tcp_port
from app.main import create_app
from tests.accounts.helpers import guest_headers
from tests.api.conftest import make_settings

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance"
)


@pytest.fixture(scope="module")
def live_server(database_url: str, redis_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The app on a real port, and the headers of a signed-in user who chose a starter."""
    settings = make_settings(
        database_url, redis_url, db_pool_size=5, db_max_overflow=5, auth_rate_limit=100_000
    )
    app = create_app(settings)
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
        headers = asyncio.run(_signed_in(base))
        yield base, headers
    finally:
        server.should_exit = True
        thread.join(60)


async def _signed_in(base: str) -> dict[str, str]:
    """A new guest, signed in through the real endpoint, who chose a starter deck."""
    async with httpx.AsyncClient(base_url=base) as client:
        # The first request for the schema builds it (FastAPI caches it then); on a busy
        # machine that took longer than schemathesis waits for a specification (10 s).
        warm = await client.get("/openapi.json", timeout=120)
        assert warm.status_code == 200, warm.text
        headers = await guest_headers(client)
    async with httpx.AsyncClient(base_url=base, headers=headers) as client:
        chosen = await client.post("/api/v1/me/starter", json={"starter_type": "fire"})
        assert chosen.status_code == 201, chosen.text
    return headers


SCHEMATHESIS_CLI = Path(__file__).parents[1] / "harness" / "schemathesis_cli.py"
"""schemathesis's command, safe from CPython 3.11.7's ``ast.parse`` race between threads."""

SESSION_ENDING = ("logout", "logout_everywhere", "delete_me", "revoke_session")


def schemathesis_command(
    base: str, headers: dict[str, str], report: Path, *, session_ending: bool
) -> list[str]:
    examples = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15")
    command = [
        sys.executable,
        str(SCHEMATHESIS_CLI),
        "run",
        f"{base}/openapi.json",
        "--checks",
        os.environ.get("SCHEMATHESIS_CHECKS", CHECKS),
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
    option = "--include-operation-id" if session_ending else "--exclude-operation-id"
    for operation_id in SESSION_ENDING:
        command += [option, operation_id]
    return command


def _redact(part: str, headers: dict[str, str]) -> str:
    """The command as printed: header values (the access token) replaced by a placeholder."""
    for name, value in headers.items():
        part = part.replace(value, f"<{name.lower()} of a new guest>")
    return part


def run_schemathesis(
    live_server: tuple[str, dict[str, str]], report: Path, *, session_ending: bool
) -> None:
    base, headers = live_server
    command = schemathesis_command(base, headers, report, session_ending=session_ending)
    shown = [_redact(part, headers) for part in command]
    print("schemathesis:", shlex.join(shown))  # noqa: T201 - to repeat the run
    result = subprocess.run(  # in report's folder: schemathesis leaves a .schemathesis/ cache
        command, capture_output=True, text=True, timeout=900, check=False, cwd=report.parent
    )
    output = result.stdout + result.stderr
    print(output[-3000:])  # noqa: T201 - the summary, with the figures
    assert "No API operations found" not in output
    assert result.returncode == 0, output[-6000:]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    run_schemathesis(live_server, tmp_path / "junit.xml", session_ending=False)


def test_schemathesis_on_the_operations_that_end_the_session(
    live_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    run_schemathesis(live_server, tmp_path / "junit.xml", session_ending=True)
