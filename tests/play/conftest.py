"""A real service process per test module, on the run's PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.play.harness import Service, service_process


@pytest.fixture(scope="module")
def service(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """One service process for the module (its own Redis key prefix)."""
    log = Path(tmp_path_factory.mktemp("service")) / "serve.log"
    prefix = f"t{tmp_path_factory.getbasetemp().name[-6:]}{id(log) % 10_000}:"
    with service_process(database_url, redis_url, prefix, log) as running:
        yield running
