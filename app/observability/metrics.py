"""Prometheus metrics, on a registry per application rather than the process-wide default.

One `AppMetrics` belongs to one app (``create_app`` builds it): two apps in one
process (tests, or a worker that embeds a second one) each count their own
requests and games and never clash over a metric name. ``GET /metrics`` renders
it in the Prometheus text format.

What a caller may rely on (names as scraped; counters gain ``_total``):

* ``mantimon_http_requests_total{method, route, status}`` and
  ``mantimon_http_request_duration_seconds{method, route}``: ``route`` is the
  route's template (``/api/v1/cards/{card_id}``), never the raw path, and
  ``<unmatched>`` for a path no route knows, so a scan of random URLs cannot
  create series without bound.
* ``mantimon_game_operation_seconds{operation}`` and
  ``mantimon_game_operations_total{operation, outcome}`` for the game state
  manager's ``save``, ``load``, ``persist``, ``flush`` and ``recover``: the
  outcome is the operation's result (``cached``, ``written_through``,
  ``written``, ``already_current``, ``game_ended``; ``ok`` or ``none`` for the
  others) or the class name of the error it raised. Saves written through to
  PostgreSQL because Redis was down are ``operation="save",
  outcome="written_through"``.
* ``mantimon_game_refusals_total{reason}``: writes refused because a store held
  a newer version (``stale``) or a state that does not descend from the incoming
  one (``diverged``).
* ``mantimon_redis_outages_total`` and ``mantimon_redis_recoveries_total``: the
  manager's transitions to "Redis unreachable" and back, one each per outage
  however many calls fail meanwhile.
* ``mantimon_games_recovered_total{result}``: what start-up recovery did with
  each game (``recovered``, ``skipped_newer``, ``unchanged``, ``failed``).
* ``mantimon_games_dirty`` and ``mantimon_games_oldest_unpersisted_age_seconds``:
  read from Redis at scrape time; NaN when Redis could not be read.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import Enum
from typing import Any, Concatenate, Final, ParamSpec, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.exposition import choose_encoder

UNMATCHED_ROUTE: Final = "<unmatched>"

GAME_OPERATIONS: Final = ("save", "load", "persist", "flush", "recover")
REFUSAL_REASONS: Final = ("stale", "diverged")
RECOVERY_RESULTS: Final = ("recovered", "skipped_newer", "unchanged", "failed")

# A save is a fraction of a millisecond, a flush or a recovery of many games takes
# seconds: the buckets cover both ends.
LATENCY_BUCKETS: Final = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
)


class GameMetrics:
    """The game state manager's metrics; a manager built without one gets a private registry.

    The manager reports through `instrumented` (latency and outcome of each
    public operation, and refusals its errors declare) and through the few
    methods below for what no return value shows.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.operation_seconds = Histogram(
            "mantimon_game_operation_seconds",
            "Duration of game state manager operations.",
            ["operation"],
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )
        self.operations = Counter(
            "mantimon_game_operations",
            "Game state manager operations by outcome (result, or the error raised).",
            ["operation", "outcome"],
            registry=registry,
        )
        self.refusals = Counter(
            "mantimon_game_refusals",
            "Game state writes refused: a store held a newer state (stale) or one that does "
            "not descend from it (diverged).",
            ["reason"],
            registry=registry,
        )
        self.redis_outages = Counter(
            "mantimon_redis_outages",
            "Times the game state manager found Redis unreachable after it had answered.",
            registry=registry,
        )
        self.postgres_rewinds = Counter(
            "mantimon_postgres_rewinds",
            "Times PostgreSQL was found older than the writes Redis saw acknowledged (restored "
            "from an older backup); the newer games Redis held were written back.",
            registry=registry,
        )
        self.redis_recoveries = Counter(
            "mantimon_redis_recoveries",
            "Times Redis answered the game state manager again after an outage.",
            registry=registry,
        )
        self.games_recovered = Counter(
            "mantimon_games_recovered",
            "Games seen by start-up recovery (PostgreSQL copied into Redis), by result.",
            ["result"],
            registry=registry,
        )
        self.dirty_games = Gauge(
            "mantimon_games_dirty",
            "Games whose latest state is only in Redis, read at scrape time.",
            registry=registry,
        )
        self.oldest_unpersisted_age = Gauge(
            "mantimon_games_oldest_unpersisted_age_seconds",
            "Age of the oldest change not yet in PostgreSQL (0 when none), read at scrape time.",
            registry=registry,
        )
        # Label lookups cost as much as the update itself: the hot path reuses the children.
        self._timers = {op: self.operation_seconds.labels(op) for op in GAME_OPERATIONS}
        self._outcomes: dict[tuple[str, str], Any] = {}
        for reason in REFUSAL_REASONS:
            self.refusals.labels(reason)
        for result in RECOVERY_RESULTS:
            self.games_recovered.labels(result)
        self.set_dirty(None, None)

    def finished(self, operation: str, seconds: float, outcome: str) -> None:
        """Record one operation: how long it took and how it ended."""
        timer = self._timers.get(operation)
        if timer is None:
            timer = self._timers[operation] = self.operation_seconds.labels(operation)
        timer.observe(seconds)
        counter = self._outcomes.get((operation, outcome))
        if counter is None:
            counter = self._outcomes[operation, outcome] = self.operations.labels(
                operation, outcome
            )
        counter.inc()

    def refused(self, reason: str) -> None:
        """Count one refused write; `reason` is ``stale`` or ``diverged``.

        `instrumented` calls it for an error escaping an operation whose class
        declares ``refusal_reason``; call it directly where such an error is
        caught inside the manager (a flush reporting it per game, say).
        """
        self.refusals.labels(reason).inc()

    def redis_outage(self) -> None:
        """Redis stopped answering (call once per outage, not per failed call)."""
        self.redis_outages.inc()

    def redis_recovered(self) -> None:
        """Redis answers again after an outage."""
        self.redis_recoveries.inc()

    def recovered(self, *, recovered: int, skipped_newer: int, unchanged: int, failed: int) -> None:
        """Add one start-up recovery's counts."""
        counts = zip(RECOVERY_RESULTS, (recovered, skipped_newer, unchanged, failed), strict=True)
        for result, count in counts:
            self.games_recovered.labels(result).inc(count)

    def set_dirty(self, count: int | None, oldest_age_seconds: float | None) -> None:
        """Publish the dirty-game backlog; None for the count means it could not be read."""
        if count is None:
            self.dirty_games.set(math.nan)
            self.oldest_unpersisted_age.set(math.nan)
            return
        self.dirty_games.set(count)
        self.oldest_unpersisted_age.set(oldest_age_seconds or 0.0)


class Instrumented(Protocol):
    """What `instrumented` needs from the object whose methods it wraps."""

    @property
    def metrics(self) -> GameMetrics:
        """Where the object's operations are recorded."""
        ...


S = TypeVar("S", bound=Instrumented)
P = ParamSpec("P")
R = TypeVar("R")


def _outcome(result: object) -> str:
    if isinstance(result, Enum):
        return str(result.value)
    return "none" if result is None else "ok"


def instrumented(
    operation: str,
) -> Callable[
    [Callable[Concatenate[S, P], Awaitable[R]]], Callable[Concatenate[S, P], Coroutine[Any, Any, R]]
]:
    """Decorate an async method: time it and count its outcome under `operation`.

    An error escaping the method is counted under its class name and re-raised
    unchanged; if its class has a ``refusal_reason`` (``"stale"``, ``"diverged"``)
    the refusal is counted too.
    """

    def decorate(
        method: Callable[Concatenate[S, P], Awaitable[R]],
    ) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
        @functools.wraps(method)
        async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            start = time.perf_counter()
            try:
                result = await method(self, *args, **kwargs)
            except BaseException as exc:
                self.metrics.finished(operation, time.perf_counter() - start, type(exc).__name__)
                reason = getattr(exc, "refusal_reason", None)
                if isinstance(reason, str):
                    self.metrics.refused(reason)
                raise
            self.metrics.finished(operation, time.perf_counter() - start, _outcome(result))
            return result

        return wrapper

    return decorate


class HttpMetrics:
    """Requests served, by method, route template and status, and their duration."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "mantimon_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "mantimon_http_request_duration_seconds",
            "Time from receiving an HTTP request to the end of its response.",
            ["method", "route"],
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one answered request."""
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


@dataclass(frozen=True, slots=True)
class AppMetrics:
    """Every metric of one application, on that application's own registry."""

    registry: CollectorRegistry
    http: HttpMetrics
    games: GameMetrics

    @classmethod
    def create(cls) -> AppMetrics:
        """A fresh registry with the HTTP, game and process (CPU, memory, fds) metrics."""
        registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        return cls(registry=registry, http=HttpMetrics(registry), games=GameMetrics(registry))

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """The registry and its media type, in the format an ``Accept`` header asks for.

        The Prometheus text format unless `accept` asks for OpenMetrics, as
        Prometheus itself negotiates it.
        """
        encode, media_type = choose_encoder(accept)
        return encode(self.registry), media_type
