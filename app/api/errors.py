"""Every error the HTTP API returns, in one shape: RFC 9457 problem details.

Routes and services raise domain errors (`MantimonError` subclasses); the
handlers installed by `install_problem_details` turn them, FastAPI's request
validation errors, unknown routes and methods, and anything unexpected into an
``application/problem+json`` body with ``type``, ``title``, ``status``,
``detail`` and ``instance``, plus members of its own for some problem types
(``errors`` for validation, ``card_ids`` and ``suggestions`` for unknown cards).

A client may rely on:

* ``type`` identifying the kind of problem (``about:blank`` for plain HTTP
  errors such as an unknown route, a ``urn:mantimon:problem:*`` URN otherwise);
* 4xx details being written for the caller, naming what was wrong;
* 5xx details never carrying internals: the exception is logged with an
  ``error_id`` that the response repeats, so an operator can find it.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.accounts import errors as accounts
from app.accounts.collections import (
    NotEnoughCardsError,
    StarterAlreadyChosenError,
    UnknownStarterError,
)
from app.accounts.deck_codes import DeckCodeError, DeckNotEncodableError
from app.accounts.decks import DeckNotFoundError, DeckSlotsFullError, DeckVersionMismatchError
from app.api.middleware import client_method
from app.catalog.card_service import CardNotFoundError, SetNotFoundError
from app.core.rules import UnknownRulesPresetError
from app.errors import MantimonError
from app.play.errors import (
    DeckNotPlayableError,
    NotJoinableError,
    PlayNotFoundError,
    RankedNeedsAccountError,
)
from app.play.storage import GameBusyError
from app.store.manager import (
    GameEndedError,
    GameStoreUnavailableError,
    InvalidGameIdError,
    StaleStateError,
)

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
PROBLEM_TYPE_PREFIX: Final = "urn:mantimon:problem:"
_HIDDEN_DETAIL: Final = "The server could not complete the request; the error has been logged."


class ValidationIssue(BaseModel):
    """One invalid part of a request: where it is and what is wrong with it."""

    loc: list[str | int] = Field(
        description="Where the problem is, e.g. ['query', 'limit'] or ['path', 'card_id'].",
    )
    msg: str = Field(description="What is wrong, for a human.")
    type: str = Field(description="A stable machine-readable code (pydantic's error type).")


class Problem(BaseModel):
    """An RFC 9457 problem details object, as every error response carries it.

    Extra members depend on ``type``: ``errors`` (validation), ``card_ids`` and
    ``suggestions`` (unknown card ids), ``set_id`` (unknown set), ``preset``
    (unknown rules preset), ``current_version`` (a deck changed since it was read;
    the ``ETag`` header carries it too), ``slots`` (deck slots full), ``chosen``
    (starter already chosen), ``known`` (unknown starter), ``code_problem`` (an
    unreadable deck code: empty, too_long, invalid_character, truncated,
    checksum_mismatch, unsupported_version, malformed), ``error_id`` (server errors,
    to quote when reporting them).
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="URI identifying the kind of problem.")
    title: str = Field(
        description="Short summary of the kind of problem; same for every occurrence."
    )
    status: int = Field(description="The HTTP status code of the response.")
    detail: str | None = Field(default=None, description="What went wrong this time, for a human.")
    instance: str | None = Field(default=None, description="The path of the request that failed.")


class ServiceUnavailableError(MantimonError):
    """The service cannot answer now (starting, stopping, or a store is unreachable)."""


class PreconditionRequiredError(MantimonError):
    """A change to a versioned resource came without ``If-Match`` naming what it is based on."""


class InvalidRequestError(MantimonError):
    """A request parameter is well-formed but unacceptable (a filter naming an unknown set).

    Rendered as a 422 with the same ``errors`` list as FastAPI's own validation.
    """

    def __init__(self, loc: Sequence[str | int], message: str, error_type: str) -> None:
        self.issue = ValidationIssue(loc=list(loc), msg=message, type=error_type)
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class _Mapping:
    status: HTTPStatus
    slug: str
    title: str


# Most specific first: the first class an error is an instance of decides its response.
_DOMAIN_ERRORS: Final[tuple[tuple[type[MantimonError], _Mapping], ...]] = (
    (
        accounts.NotAuthenticatedError,
        _Mapping(HTTPStatus.UNAUTHORIZED, "not-authenticated", "Not authenticated"),
    ),
    (
        accounts.InvalidRefreshTokenError,
        _Mapping(HTTPStatus.UNAUTHORIZED, "invalid-refresh-token", "Invalid refresh token"),
    ),
    (accounts.SignInError, _Mapping(HTTPStatus.BAD_REQUEST, "sign-in-failed", "Sign-in failed")),
    (
        accounts.ProviderUnavailableError,
        _Mapping(HTTPStatus.BAD_GATEWAY, "provider-unavailable", "Sign-in provider unavailable"),
    ),
    (
        accounts.ProviderNotConfiguredError,
        _Mapping(
            HTTPStatus.NOT_FOUND, "provider-not-configured", "Sign-in provider not configured"
        ),
    ),
    (
        accounts.RedirectNotAllowedError,
        _Mapping(HTTPStatus.BAD_REQUEST, "redirect-not-allowed", "Redirect not allowed"),
    ),
    (
        accounts.IdentityConflictError,
        _Mapping(HTTPStatus.CONFLICT, "identity-in-use", "Provider account already linked"),
    ),
    (
        accounts.LastSignInMethodError,
        _Mapping(HTTPStatus.CONFLICT, "last-sign-in-method", "Last sign-in method"),
    ),
    (
        accounts.DisplayNameTakenError,
        _Mapping(HTTPStatus.CONFLICT, "display-name-taken", "Display name taken"),
    ),
    (
        accounts.DisplayNameError,
        _Mapping(HTTPStatus.UNPROCESSABLE_ENTITY, "display-name-invalid", "Invalid display name"),
    ),
    (
        accounts.RateLimitedError,
        _Mapping(HTTPStatus.TOO_MANY_REQUESTS, "rate-limited", "Too many attempts"),
    ),
    (accounts.NotFoundError, _Mapping(HTTPStatus.NOT_FOUND, "not-found", "Not found")),
    (
        accounts.DevSignInDisabledError,
        _Mapping(HTTPStatus.NOT_FOUND, "dev-sign-in-disabled", "Development sign-in disabled"),
    ),
    (
        accounts.AccountsUnavailableError,
        _Mapping(HTTPStatus.SERVICE_UNAVAILABLE, "service-unavailable", "Service unavailable"),
    ),
    (CardNotFoundError, _Mapping(HTTPStatus.NOT_FOUND, "card-not-found", "Card not found")),
    (SetNotFoundError, _Mapping(HTTPStatus.NOT_FOUND, "set-not-found", "Set not found")),
    (
        UnknownRulesPresetError,
        _Mapping(HTTPStatus.NOT_FOUND, "rules-preset-not-found", "Rules preset not found"),
    ),
    (
        InvalidRequestError,
        _Mapping(HTTPStatus.UNPROCESSABLE_ENTITY, "validation-error", "Invalid request"),
    ),
    (
        InvalidGameIdError,
        _Mapping(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid-game-id", "Invalid game id"),
    ),
    (StaleStateError, _Mapping(HTTPStatus.CONFLICT, "stale-state", "Stale game state")),
    (DeckNotFoundError, _Mapping(HTTPStatus.NOT_FOUND, "deck-not-found", "Deck not found")),
    (
        DeckVersionMismatchError,
        _Mapping(HTTPStatus.PRECONDITION_FAILED, "deck-version-mismatch", "Deck was changed"),
    ),
    (
        PreconditionRequiredError,
        _Mapping(HTTPStatus.PRECONDITION_REQUIRED, "precondition-required", "If-Match required"),
    ),
    (DeckSlotsFullError, _Mapping(HTTPStatus.CONFLICT, "deck-slots-full", "Deck slots full")),
    (
        StarterAlreadyChosenError,
        _Mapping(HTTPStatus.CONFLICT, "starter-already-chosen", "Starter already chosen"),
    ),
    (
        UnknownStarterError,
        _Mapping(HTTPStatus.UNPROCESSABLE_ENTITY, "unknown-starter", "Unknown starter deck"),
    ),
    (NotEnoughCardsError, _Mapping(HTTPStatus.CONFLICT, "not-enough-cards", "Not enough cards")),
    (
        DeckCodeError,
        _Mapping(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid-deck-code", "Invalid deck code"),
    ),
    (
        DeckNotEncodableError,
        _Mapping(HTTPStatus.UNPROCESSABLE_ENTITY, "deck-not-encodable", "Deck has no code"),
    ),
    (GameEndedError, _Mapping(HTTPStatus.CONFLICT, "game-ended", "Game has ended")),
    (PlayNotFoundError, _Mapping(HTTPStatus.NOT_FOUND, "not-found", "Not found")),
    (NotJoinableError, _Mapping(HTTPStatus.CONFLICT, "not-joinable", "Game cannot be joined")),
    (
        DeckNotPlayableError,
        _Mapping(HTTPStatus.UNPROCESSABLE_ENTITY, "deck-not-playable", "Deck cannot be played"),
    ),
    (
        RankedNeedsAccountError,
        _Mapping(HTTPStatus.FORBIDDEN, "ranked-needs-account", "Ranked needs a full account"),
    ),
    (
        GameBusyError,
        _Mapping(HTTPStatus.SERVICE_UNAVAILABLE, "game-busy", "Game busy; try again"),
    ),
    (
        GameStoreUnavailableError,
        _Mapping(HTTPStatus.SERVICE_UNAVAILABLE, "store-unavailable", "Game store unavailable"),
    ),
    (
        ServiceUnavailableError,
        _Mapping(HTTPStatus.SERVICE_UNAVAILABLE, "service-unavailable", "Service unavailable"),
    ),
)
_INTERNAL = _Mapping(HTTPStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal server error")


class ProblemResponse(JSONResponse):
    """A JSON response served as ``application/problem+json``."""

    media_type = PROBLEM_MEDIA_TYPE


def problem_response(
    request: Request,
    status: HTTPStatus,
    *,
    title: str | None = None,
    detail: str | None = None,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    """Build the one error response shape; every handler here goes through it.

    Without `slug` the type is ``about:blank`` and the title the status phrase,
    as RFC 9457 prescribes for problems that mean no more than their status.
    """
    problem = Problem(
        type=PROBLEM_TYPE_PREFIX + slug if slug else "about:blank",
        title=title or status.phrase,
        status=status.value,
        detail=detail,
        instance=request.url.path,
        **extra,
    )
    return ProblemResponse(
        problem.model_dump(mode="json"),
        status_code=status.value,
        headers=dict(headers) if headers else None,
    )


def _mapping_for(exc: MantimonError) -> _Mapping:
    for error_type, mapping in _DOMAIN_ERRORS:
        if isinstance(exc, error_type):
            return mapping
    return _INTERNAL


def _extra_members(exc: MantimonError) -> dict[str, Any]:
    if isinstance(exc, CardNotFoundError):
        return {
            "card_ids": list(exc.card_ids),
            "suggestions": {card_id: list(close) for card_id, close in exc.suggestions.items()},
        }
    if isinstance(exc, SetNotFoundError):
        return {"set_id": exc.set_code}
    if isinstance(exc, UnknownRulesPresetError):
        return {"preset": exc.name}
    if isinstance(exc, InvalidRequestError):
        return {"errors": [exc.issue.model_dump(mode="json")]}
    if isinstance(exc, DeckVersionMismatchError):
        return {"current_version": exc.current_version}
    if isinstance(exc, DeckSlotsFullError):
        return {"slots": exc.slots}
    if isinstance(exc, StarterAlreadyChosenError):
        return {"chosen": exc.chosen}
    if isinstance(exc, UnknownStarterError):
        return {"known": exc.known}
    if isinstance(exc, DeckCodeError):
        return {"code_problem": exc.problem.value}
    return {}


def entity_tag(version: int) -> str:
    """The ``ETag`` of a resource at `version`: a strong tag, the version in quotes."""
    return f'"{version}"'


def _headers(exc: MantimonError) -> dict[str, str] | None:
    if isinstance(exc, DeckVersionMismatchError):
        return {"ETag": entity_tag(exc.current_version)}
    if isinstance(exc, accounts.RateLimitedError):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, accounts.NotAuthenticatedError):
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    return None


def _server_error(request: Request, exc: BaseException, mapping: _Mapping) -> ProblemResponse:
    error_id = uuid.uuid4().hex
    logger.error(
        "error %s on %s %s: %s: %s",
        error_id,
        client_method(request.scope),
        request.url.path,
        type(exc).__name__,
        exc,
        exc_info=exc,
    )
    return problem_response(
        request,
        mapping.status,
        title=mapping.title,
        slug=mapping.slug,
        detail=_HIDDEN_DETAIL,
        error_id=error_id,
    )


async def _domain_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, MantimonError)
    mapping = _mapping_for(exc)
    if mapping is _INTERNAL:
        return _server_error(request, exc, mapping)
    if mapping.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.warning("%s %s: %s", client_method(request.scope), request.url.path, exc)
    return problem_response(
        request,
        mapping.status,
        title=mapping.title,
        slug=mapping.slug,
        detail=str(exc),
        headers=_headers(exc),
        **_extra_members(exc),
    )


def _issue(error: Mapping[str, Any]) -> ValidationIssue:
    message = str(error.get("msg", "invalid value"))
    return ValidationIssue(
        loc=[part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
        msg=message.removeprefix("Value error, "),
        type=str(error.get("type", "value_error")),
    )


def _describe_issue(issue: ValidationIssue) -> str:
    where = ".".join(str(part) for part in issue.loc)
    return f"{where}: {issue.msg}" if where else issue.msg


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    issues = [_issue(error) for error in exc.errors()]
    count = len(issues)
    summary = "; ".join(_describe_issue(issue) for issue in issues)
    noun = "problem" if count == 1 else "problems"
    return problem_response(
        request,
        HTTPStatus.UNPROCESSABLE_ENTITY,
        title="Invalid request",
        slug="validation-error",
        detail=f"{count} {noun} with the request: {summary}",
        errors=[issue.model_dump(mode="json") for issue in issues],
    )


async def _http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = HTTPStatus(exc.status_code)
    if status == HTTPStatus.NOT_FOUND:
        detail = f"no resource at {request.url.path}"
    elif status == HTTPStatus.METHOD_NOT_ALLOWED:
        detail = f"{client_method(request.scope)} is not allowed on {request.url.path}"
        allowed = _allowed_methods(request)
        if allowed:
            return problem_response(
                request, status, detail=detail, headers={**(exc.headers or {}), "Allow": allowed}
            )
    else:
        detail = str(exc.detail)
    return problem_response(request, status, detail=detail, headers=exc.headers)


def _allowed_methods(request: Request) -> str:
    """Every documented method at this path; Starlette's 405 names only one route's methods.

    Read from the OpenAPI paths (templates become one-segment wildcards), so the
    ``Allow`` header lists what the schema promises; empty for an undocumented path.
    """
    path = request.url.path
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods |= {method.upper() for method in item}
    return ", ".join(sorted(methods))


async def _unhandled_error(request: Request, exc: Exception) -> ProblemResponse:
    return _server_error(request, exc, _INTERNAL)


_BODY_NOT_JSON: Final = {
    "description": "The body is not valid JSON.",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def install_problem_details(app: FastAPI) -> None:
    """Route every error `app` can raise through the handlers above, and document them.

    The OpenAPI schema then lists the `Problem` body of every documented error
    response under ``application/problem+json``, the media type it is served with,
    and every operation taking a body documents the 400 of a body that is not JSON
    (FastAPI's own answer, before any route runs).
    """
    app.add_exception_handler(MantimonError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled_error)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                if "requestBody" in operation:
                    operation.setdefault("responses", {}).setdefault("400", _BODY_NOT_JSON)
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    if PROBLEM_MEDIA_TYPE in content and "application/json" in content:
                        content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def problem_responses(
    *statuses: HTTPStatus, described: Mapping[HTTPStatus, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the problem body for `statuses`.

    The description is the status phrase, or what `described` says for that
    status: the cases a client meets that the parameters' schemas cannot show.
    """
    described = described or {}
    return {
        status.value: {
            "model": Problem,
            "description": described.get(status, status.phrase),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in (*statuses, *described)
    }
