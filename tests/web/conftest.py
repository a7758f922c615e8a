"""The browser client's tests: Debian's Chromium, driven by Playwright, against a real service.

The service is `mantimon serve` in a process of its own on a free port, with this run's
PostgreSQL database and Redis (under a key prefix of its own), started once for the module
that needs it. Without Chromium or Playwright these tests skip and say why. Screenshots go
to ``test-artifacts/web/`` (git-ignored), and every test that fails leaves one there too.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from app.db.embedded_redis import free_tcp_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
STARTUP_TIMEOUT = 60.0
EXPECT_TIMEOUT_MS = 20_000
"""How long an assertion waits for the page: a shared two-core machine answers slowly at times."""
CHROMIUM_ENV = "MANTIMON_TEST_CHROMIUM"
SERVICE_ENV = "MANTIMON_TEST_WEB_URL"
CHROMIUM_ARGS = [
    # As the machine's probe ran it: no sandbox as root, and no background traffic to
    # hosts a closed network refuses.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium (or the one ``MANTIMON_TEST_CHROMIUM`` names), if installed."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium for the run (Playwright's async API: the suite's loop drives it)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "no Chromium: install Debian's package (apt-get install chromium) or set "
            f"{CHROMIUM_ENV} to a Chromium binary; .ci/run installs it"
        )
    try:
        from playwright.async_api import async_playwright, expect
    except ImportError:  # pragma: no cover - a dev dependency
        pytest.skip("Playwright for Python is not installed (pip install -e '.[dev]')")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in [*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("FAILED-*.log")]:
        old.unlink()
    playwright = await async_playwright().start()
    try:
        launched = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()
    finally:
        await playwright.stop()


@pytest.fixture(scope="session")
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a running `mantimon serve`; stopped with SIGTERM at the end.

    ``MANTIMON_TEST_WEB_URL`` points the tests at a service already running instead
    (one started with a high ``AUTH_RATE_LIMIT``: every test signs a guest in).
    """
    running = os.environ.get(SERVICE_ENV)
    if running:
        yield running.rstrip("/")
        return
    database_url: str = request.getfixturevalue("database_url")
    redis_url: str = request.getfixturevalue("redis_url")
    port = free_tcp_port()
    prefix = f"test:web:{uuid.uuid4().hex[:8]}:"
    env = os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "LOG_LEVEL": "INFO",
        "AUTH_RATE_LIMIT": "100000",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = tmp_path_factory.mktemp("web") / "serve.log"
    mantimon = Path(sys.executable).with_name("mantimon")
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(mantimon), "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(base, server, log)
            yield base
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hung shutdown
                server.kill()
            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(match=f"{prefix}*", count=1000):
                client.delete(key)
            client.close()
    (ARTIFACTS / "serve.log").parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(log, ARTIFACTS / "serve.log")


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == httpx.codes.OK:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the service did not become ready:\n{log.read_text()}")


NewPage = Callable[..., Awaitable[Any]]


@pytest.fixture
async def new_page(
    browser: Any, service: str, request: pytest.FixtureRequest
) -> AsyncIterator[NewPage]:
    """A factory of pages, each in a fresh browser context (its own storage: its own player)."""
    contexts: list[Any] = []
    errors: list[str] = []
    trace: list[str] = []

    async def make(width: int = 1280, height: int = 900) -> Any:
        context = await browser.new_context(
            viewport={"width": width, "height": height}, base_url=service
        )
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        contexts.append(context)
        page = await context.new_page()
        number = len(contexts) - 1
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda line: trace.append(f"{number} console {line.type}: {line.text}"))
        page.on("websocket", lambda socket: _trace_socket(socket, number, trace))
        return page

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for number, context in enumerate(contexts):
            for page in context.pages:
                await shot(page, f"FAILED-{request.node.name}-{number}")
        (ARTIFACTS / f"FAILED-{request.node.name}.log").write_text("\n".join(trace))
    for context in contexts:
        await context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def _trace_socket(socket: Any, number: int, trace: list[str]) -> None:
    """Keep the start of every frame a page's WebSocket sends and receives, for a failure."""
    trace.append(f"{number} websocket {socket.url}")
    socket.on("framesent", lambda frame: trace.append(f"{number} sent {str(frame)[:300]}"))
    socket.on("framereceived", lambda frame: trace.append(f"{number} recv {str(frame)[:300]}"))
    socket.on("close", lambda _: trace.append(f"{number} websocket closed"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


async def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under ``test-artifacts/web/`` and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
