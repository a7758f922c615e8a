"""GET /health and GET /ready on the running app, and how a failed check is described."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.api.health import CHECK_TIMEOUT_SECONDS, _reason
from app.config import Environment, Settings
from app.db.migrate import head_revision
from app.main import create_app
from tests.api.conftest import services_of


async def test_health_says_the_process_is_up(api: httpx.AsyncClient, api_app: FastAPI) -> None:
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": api_app.version, "environment": "test"}


async def test_ready_reports_every_check(api: httpx.AsyncClient, api_app: FastAPI) -> None:
    response = await api.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    checks = body["checks"]
    assert checks["database"] == {
        "ok": True,
        "error": None,
        "revision": head_revision(),
        "head": head_revision(),
    }
    assert checks["redis"]["ok"] is True
    assert checks["redis"]["latency_ms"] >= 0
    cards = services_of(api_app).cards
    assert checks["catalog"] == {
        "ok": True,
        "error": None,
        "cards": len(cards),
        "sets": len(cards.sets),
    }
    assert checks["games"]["ok"] is True
    assert checks["games"]["dirty_games"] >= 0


def test_a_timed_out_check_says_how_long_it_waited() -> None:
    assert _reason(TimeoutError()) == f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"


class _Wrapped(Exception):
    def __init__(self, orig: BaseException) -> None:
        super().__init__("wrapper text with the SQL statement")
        self.orig = orig


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ConnectionRefusedError("refused\nsecond line"), "ConnectionRefusedError: refused"),
        (_Wrapped(OSError("the driver's reason")), "_Wrapped: the driver's reason"),
        (RuntimeError(), "RuntimeError"),
    ],
)
def test_a_failed_check_gives_the_first_line_of_the_underlying_error(
    exc: BaseException, reason: str
) -> None:
    assert _reason(exc) == reason


def test_version_falls_back_when_the_package_is_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("app.main.DISTRIBUTION", "not-an-installed-distribution")
    assert create_app(Settings(environment=Environment.TEST)).version == "0+unknown"
