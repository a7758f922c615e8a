"""The log filter masks sign-in secrets in URLs and keeps everything else."""

from __future__ import annotations

import logging

import pytest

from app.accounts import redact


def test_sensitive_query_values_are_masked() -> None:
    line = '"GET /api/v1/auth/google/callback?code=abc123&state=xyz&x=1 HTTP/1.1" 200'
    assert redact.redact(line) == (
        '"GET /api/v1/auth/google/callback?code=***&state=***&x=1 HTTP/1.1" 200'
    )
    assert redact.redact("/a?ticket=t1&refresh_token=r#f") == "/a?ticket=***&refresh_token=***#f"
    assert redact.redact("/a?encode=1&postcode=2") == "/a?encode=1&postcode=2"


def test_the_installed_filter_rewrites_records(caplog: pytest.LogCaptureFixture) -> None:
    redact.install()
    redact.install()
    logger = logging.getLogger("uvicorn.access")
    assert sum(isinstance(f, redact.RedactQuery) for f in logger.filters) == 1
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logger.info('%s - "%s %s" %d', "127.0.0.1", "GET", "/cb?code=s3cr3t&state=st4te", 200)
        logger.info("/cb?code=in-the-message")
    assert "s3cr3t" not in caplog.text
    assert "st4te" not in caplog.text
    assert "in-the-message" not in caplog.text
    assert "/cb?code=***&state=***" in caplog.text
