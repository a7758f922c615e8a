"""A real OAuth 2.0 authorization server answering in Discord's shape, run as its own process.

``python -m uvicorn tests.accounts.discord_server:app --port N``. It implements
the authorization code grant with PKCE (S256) for one client
(``discord-client`` / ``discord-secret``, HTTP Basic or form credentials),
single-use codes, and ``GET /api/users/@me`` returning Discord's user object
(``id``, ``username``, ``global_name``, ``email``, ``verified``): no OpenID
Connect, no ``sub``. The "login": ``POST`` the authorize URL with form field
``id`` (and optionally ``email``, ``verified``, ``username``), or
``action=deny`` to refuse.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "discord-client"
CLIENT_SECRET = "discord-secret"

_codes: dict[str, dict[str, Any]] = {}
_tokens: dict[str, dict[str, Any]] = {}


async def _form(request: Request) -> dict[str, str]:
    parsed = parse_qs((await request.body()).decode())
    return {key: values[0] for key, values in parsed.items()}


def _error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


async def authorize(request: Request) -> Response:
    query = request.query_params
    if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
        return _error("invalid_request")
    if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
        return _error("invalid_request")
    redirect_uri = query["redirect_uri"]
    state = query.get("state", "")
    if request.method == "GET":
        return Response("<form method=post><input name=id><button>Authorize</button></form>")
    form = await _form(request)
    if form.get("action") == "deny":
        params = {"error": "access_denied", "state": state}
        return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", status_code=302)
    code = secrets.token_urlsafe(16)
    _codes[code] = {
        "challenge": query["code_challenge"],
        "redirect_uri": redirect_uri,
        "user": {
            "id": form["id"],
            "username": form.get("username", f"user{form['id']}"),
            "global_name": form.get("global_name") or None,
            "email": form.get("email") or None,
            "verified": form.get("verified") == "true",
        },
    }
    return RedirectResponse(
        f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302
    )


def _client_ok(request: Request, form: dict[str, str]) -> bool:
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    return (client_id, secret) == (CLIENT_ID, CLIENT_SECRET)


async def token(request: Request) -> Response:
    form = await _form(request)
    if not _client_ok(request, form):
        return _error("invalid_client", 401)
    if form.get("grant_type") != "authorization_code":
        return _error("unsupported_grant_type")
    grant = _codes.pop(form.get("code", ""), None)
    if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
        return _error("invalid_grant")
    verifier = form.get("code_verifier", "")
    digest = hashlib.sha256(verifier.encode()).digest()
    if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
        return _error("invalid_grant")
    access = secrets.token_urlsafe(16)
    _tokens[access] = grant["user"]
    return JSONResponse(
        {"access_token": access, "token_type": "Bearer", "expires_in": 600, "scope": "identify"}
    )


async def me(request: Request) -> Response:
    header = request.headers.get("authorization", "")
    user = _tokens.get(header.removeprefix("Bearer "))
    if user is None:
        return JSONResponse({"message": "401: Unauthorized", "code": 0}, status_code=401)
    return JSONResponse(user)


app = Starlette(
    routes=[
        Route("/oauth2/authorize", authorize, methods=["GET", "POST"]),
        Route("/api/oauth2/token", token, methods=["POST"]),
        Route("/api/users/@me", me, methods=["GET"]),
    ]
)
