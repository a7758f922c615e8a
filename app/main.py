"""The FastAPI application: `create_app` builds it, its lifespan owns every client.

Nothing connects at import time, and there is no module-level app: run it with
``uvicorn --factory app.main:create_app`` (or ``mantimon serve``), or call
``create_app(settings)`` from code and tests.

Start-up, in order, each step logged with what it did and how long it took:

1. find or start PostgreSQL and Redis (`app.runtime.open_stores`: embedded
   servers in dev when the URLs are unset) and check both answer;
2. bring the schema to the latest migration in dev and test; in staging and
   prod refuse to start when it is not there (migrating is a deliberate
   ``mantimon db upgrade``, not a side effect of a deploy);
3. load the card catalog, refusing to start when it has any problem;
4. copy every active game from PostgreSQL into Redis;
5. start the periodic flush (`app.store.periodic_flush`), which writes games
   whose latest turn is only in Redis to PostgreSQL every
   ``GAME_FLUSH_INTERVAL_SECONDS``.

A refusal stops start-up with a `MantimonError` whose message is one line an
operator can act on (the catalog error adds one line per problem found), logged
as ``start-up refused: ...`` and handed to the ASGI server without a traceback;
whatever had been opened is closed again. Shutdown (SIGTERM, Ctrl-C) first writes every
game with changes only in Redis to PostgreSQL, then closes Redis, the engine,
and leaves the embedded servers (stopped unless another process uses them).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version

from alembic.util.exc import CommandError
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts import redact
from app.accounts.service import Accounts
from app.accounts.signin import SignInFlows
from app.api import health, metrics, play_socket, v1
from app.api.deps import AppServices
from app.api.docs import install_docs
from app.api.errors import install_problem_details, problem_responses
from app.api.middleware import HeadAsGet, RecordRequests
from app.api.web import install_web
from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.config import Settings, get_settings
from app.db.migrate import current_revision, head_revision, upgrade
from app.errors import MantimonError
from app.observability.metrics import AppMetrics
from app.play.runtime import PlayRuntime
from app.runtime import open_stores
from app.store.manager import GameStateManager, GameStoreUnavailableError
from app.store.periodic_flush import flush_periodically

logger = logging.getLogger(__name__)

DISTRIBUTION = "mantimon-backend"
REDIS_CLIENT_NAME = "mantimon-api"


class StartupError(MantimonError):
    """The service refused to start; the message says why and what to do."""


@dataclass(slots=True)
class _Step:
    detail: str = "done"


@contextmanager
def _timed(phase: str, name: str) -> Iterator[_Step]:
    """Log `name` with the detail the block set and its duration, if the block succeeds."""
    step = _Step()
    start = time.perf_counter()
    yield step
    logger.info("%s: %s: %s (%.2f s)", phase, name, step.detail, time.perf_counter() - start)


def _revision_label(revision: str | None) -> str:
    return revision if revision is not None else "none (empty database)"


async def _bring_schema_to_head(settings: Settings, engine: AsyncEngine, head: str | None) -> str:
    """Migrate in dev and test, refuse elsewhere; return what was done, for the start-up log.

    Raises:
        StartupError: deployed and not at head, or a migration failed.
    """
    current = await current_revision(engine)
    if current == head:
        return f"at the latest migration ({head})"
    if settings.environment.is_deployed:
        raise StartupError(
            f"the database is at migration {_revision_label(current)} but this code needs "
            f"{head}: run `mantimon db upgrade`, then start again",
        )
    try:
        await upgrade(engine)
    except CommandError as exc:
        raise StartupError(
            f"cannot migrate the database from {_revision_label(current)} to {head}: {exc}",
        ) from exc
    return f"migrated from {_revision_label(current)} to {head}"


async def _flush_on_shutdown(games: GameStateManager) -> None:
    with _timed("shutdown", "flush dirty games") as step:
        try:
            summary = await games.flush_dirty()
        except GameStoreUnavailableError as exc:
            logger.error("shutdown: games with unpersisted changes stay in Redis: %s", exc)
            step.detail = "failed"
            return
        step.detail = (
            f"{summary.persisted} written to PostgreSQL, {summary.already_current} already "
            f"current, {summary.ended} ended, {len(summary.failed)} failed"
        )


async def _start(settings: Settings, metrics: AppMetrics, stack: AsyncExitStack) -> AppServices:
    """Run the start-up steps in order; `stack` closes whatever they opened."""
    began = time.perf_counter()
    with _timed("start-up", "servers") as step:
        stores = await stack.enter_async_context(
            open_stores(settings, client_name=REDIS_CLIENT_NAME),
        )
        step.detail = "; ".join(stores.infrastructure.describe())
    head = head_revision()
    with _timed("start-up", "database schema") as step:
        step.detail = await _bring_schema_to_head(settings, stores.engine, head)
    with _timed("start-up", "card catalog") as step:
        cards = await asyncio.to_thread(CardService.load, settings.cards_dir)
        step.detail = f"{len(cards)} cards in {len(cards.sets)} sets from {settings.cards_dir}"
    games = GameStateManager.from_settings(
        settings, stores.redis, stores.sessionmaker, metrics=metrics.games, cards=cards.by_id
    )
    with _timed("start-up", "game recovery") as step:
        recovery = await games.recover_active_games()
        step.detail = (
            f"{recovery.recovered} games copied to Redis, {recovery.skipped_newer} newer in "
            f"Redis kept, {recovery.unchanged} unchanged, {len(recovery.failed)} failed"
        )
    logger.info(
        "start-up: ready in %.2f s (%s environment)",
        time.perf_counter() - began,
        settings.environment.value,
    )
    accounts = Accounts(settings, stores.sessionmaker, stores.redis)
    play = PlayRuntime.build(
        settings,
        stores.redis,
        stores.sessionmaker,
        games,
        cards.by_id,
        load_starter_decks(settings.decks_dir),
        accounts.guard,
    )
    return AppServices(
        play=play,
        settings=settings,
        accounts=accounts,
        signin=SignInFlows(accounts),
        infrastructure=stores.infrastructure,
        engine=stores.engine,
        sessionmaker=stores.sessionmaker,
        redis=stores.redis,
        cards=cards,
        games=games,
        schema_head=head,
    )


GC_THRESHOLDS = (50_000, 50, 10)
"""Young collections after 50,000 allocations instead of 700 (Python's default), so that full
collections, which walk every live object, come seldom."""


def _settle_garbage_collector() -> None:
    """Keep the cycle collector's full passes short and rare once the service has started.

    A running service holds many long-lived objects (the catalog, every connection, the
    games it keeps in memory). With Python's defaults, full collections came every few
    seconds under load and held the event loop for 90-250 ms each with 300 games open (the
    network benchmark, `benchmarks/play_network.py`): that was its round-trip p99. What
    start-up built lives as long as the process, so it is frozen (after one collection, so
    no garbage is frozen with it) and no pass walks it again; the thresholds space passes out.

    Only for a process that is the service (``mantimon serve`` sets ``app.state.settle_gc``):
    it changes the whole process, which a test running apps in its own process must not get.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Own the app's clients from start-up to shutdown; see the module docstring for the steps.

    Raises:
        MantimonError: start-up was refused (and logged); the message is meant for the operator.
    """
    async with AsyncExitStack() as stack:
        try:
            services = await _start(app.state.settings, app.state.metrics, stack)
        except MantimonError as exc:
            logger.error("start-up refused: %s", exc)
            raise
        app.state.services = services
        await services.play.start()
        if getattr(app.state, "settle_gc", False):
            _settle_garbage_collector()
        stop_flushing = asyncio.Event()
        flusher = asyncio.create_task(
            flush_periodically(
                services.games, app.state.settings.game_flush_interval_seconds, stop_flushing
            ),
            name="periodic-flush",
        )
        try:
            yield
        finally:
            app.state.services = None
            stopping = time.perf_counter()
            await services.play.stop()
            stop_flushing.set()
            await flusher
            await _flush_on_shutdown(services.games)
            await stack.aclose()
            logger.info("shutdown: stopped in %.2f s", time.perf_counter() - stopping)


class _StartupRefusalWithoutTraceback:
    """Report a refused start-up to the server as the one line already logged, not a traceback.

    Starlette hands the server (uvicorn) a formatted traceback when the lifespan
    fails, which buries the operator's one-line reason. For a `MantimonError`
    this middleware withholds that traceback and ends the lifespan normally after
    signalling the failure, so uvicorn prints only "Application startup failed"
    after our line and exits non-zero. Any other exception is a bug: its
    traceback goes through untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        withheld: list[Message] = []

        async def send_or_withhold(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                withheld.append(message)
            else:
                await send(message)

        try:
            await self.app(scope, receive, send_or_withhold)
        except MantimonError:
            if not withheld:
                raise
            await send({"type": "lifespan.startup.failed", "message": ""})
        except BaseException:
            for message in withheld:
                await send(message)
            raise


def _version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"


def _operation_id(route: APIRoute) -> str:
    """Operation ids are the route functions' names (``get_card``), for generated clients."""
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application without connecting to anything; the lifespan does that.

    `settings` defaults to the process settings (`get_settings`), read now so a
    configuration error surfaces before the server binds its port.
    """
    app = FastAPI(
        title="Mantimon TCG",
        summary="Card catalog, rules and game state of Mantimon TCG.",
        version=_version(),
        lifespan=lifespan,
        responses=problem_responses(HTTPStatus.INTERNAL_SERVER_ERROR),
        generate_unique_id_function=_operation_id,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings or get_settings()
    redact.install()
    app.state.services = None
    app.state.metrics = AppMetrics.create()
    # The last added is the outermost: HEAD becomes GET before requests are recorded.
    app.add_middleware(RecordRequests, metrics=app.state.metrics.http)
    app.add_middleware(HeadAsGet)
    app.add_middleware(_StartupRefusalWithoutTraceback)
    install_problem_details(app)
    install_docs(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(v1.router)
    app.include_router(v1.auth.well_known)
    app.include_router(play_socket.router)
    install_web(app)
    return app
