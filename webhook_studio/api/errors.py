"""Errors of the management API and their one JSON shape (a branch of the tree in
:mod:`webhook_studio.errors`).

    ApiError                 an answer other than success, with a status and a sentence
     ├── InvalidInput        422: ``fields`` maps each invalid field to what is wrong with it
     └── (plain ApiError)    401, 403, 404, 409, 413 ... raised by handlers and middlewares

Every error response is ``{"error": "<sentence>", "detail": <anything or null>}``; a 422 also
carries ``"fields": {"name": "message", ...}``. Library errors (aiohttp's HTTP exceptions, the
store's NotFound, the core's CoreError) are translated here, at the boundary. A store that
cannot be read or written (locked by another program, disk full) is a 503 with
``Retry-After``: the client may try again, nothing it sent was half-applied.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from webhook_studio.core.errors import WebhookStudioError
from webhook_studio.store.errors import DuplicateRecord, StoreUnavailable

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STORE_RETRY_AFTER_S = 5

#: Sentences for the statuses aiohttp raises by itself.
_HTTP_SENTENCES = {
    404: "not found",
    405: "method not allowed",
    413: "request body too large",
}


class ApiError(WebhookStudioError):
    def __init__(self, status: int, error: str, detail: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers or {}

    def payload(self) -> dict[str, Any]:
        return {"error": self.error, "detail": self.detail}


class InvalidInput(ApiError):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(422, "invalid input", detail=None)
        self.fields = fields

    def payload(self) -> dict[str, Any]:
        return {"error": self.error, "detail": self.detail, "fields": self.fields}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not found", detail=what)


def error_response(exc: ApiError) -> web.Response:
    return web.json_response(exc.payload(), status=exc.status, headers=exc.headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware: whatever happens, the client gets JSON of the documented shape."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc)
    except DuplicateRecord as exc:
        return error_response(ApiError(409, "conflict", str(exc)))
    except StoreUnavailable as exc:
        return error_response(ApiError(503, "store unavailable", str(exc),
                                       {"Retry-After": str(STORE_RETRY_AFTER_S)}))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow",)}
        sentence = _HTTP_SENTENCES.get(exc.status, exc.reason.lower())
        detail: Any = None
        if exc.status == 405 and "Allow" in exc.headers:
            detail = {"allowed": sorted(filter(None, exc.headers["Allow"].split(",")))}
        return error_response(ApiError(exc.status, sentence, detail, headers))
    except Exception:  # the last line of defence: never a traceback to the client
        log.exception("API handler failed for %s %s", request.method, request.path)
        return error_response(ApiError(500, "internal error",
                                       "The server failed; see its log for details."))
