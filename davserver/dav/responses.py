"""Turning every failure inside the DAV tree into a proper response: DAV errors keep
their status and precondition, domain errors are mapped, anything else is a logged 500.
"""

from __future__ import annotations

import itertools
import logging

from wsgidav.dav_error import DAVError, get_http_status_string
from wsgidav.mw.base_mw import BaseMiddleware
from wsgidav.util import SubAppStartResponse

from davserver.dav.errors import DavError, database_refusal, from_domain
from davserver.dav.multistatus_stream import STREAMING
from resources.errors import DomainError

log = logging.getLogger("davserver.dav")

_NO_BODY = {204, 304}


def send_bytes(
    start_response, status: str, body: bytes, content_type: str, headers=()
) -> list[bytes]:
    start_response(
        status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers]
    )
    return [body]


class ErrorResponder(BaseMiddleware):
    def __call__(self, environ, start_response):
        captured = SubAppStartResponse()
        chunks: list[bytes] = []
        try:
            answer = iter(self.next_app(environ, captured))
            for chunk in answer:  # the whole answer, unless it is a streamed multistatus
                chunks.append(chunk)
                if environ.get(STREAMING):
                    start_response(captured.status, captured.response_headers, captured.exc_info)
                    return itertools.chain(chunks, answer)
        except DAVError as exc:
            return self._error(exc, start_response)
        except DomainError as exc:
            return self._error(from_domain(exc), start_response)
        except Exception as exc:
            refusal = database_refusal(exc)
            if refusal is not None:
                status, message, headers = refusal
                log.warning(
                    "%s %s: %d, database: %s",
                    environ.get("REQUEST_METHOD"),
                    environ.get("PATH_INFO"),
                    status,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                )
                return self._error(DavError(status, message, headers=headers), start_response)
            log.exception(
                "internal error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            )
            return self._error(
                DavError(500, "Internal server error; the operator can find details in the log."),
                start_response,
            )
        start_response(captured.status, captured.response_headers, captured.exc_info)
        return chunks

    def _error(self, exc: DAVError, start_response) -> list[bytes]:
        status = get_http_status_string(exc)
        if exc.value in _NO_BODY:
            start_response(status, [("Content-Length", "0")] + list(exc.add_headers or []))
            return [b""]
        if not isinstance(exc, DavError):
            exc = DavError(
                exc.value,
                exc.context_info or status.split(" ", 1)[-1],
                _condition_of(exc),
                headers=exc.add_headers,
            )
        content_type, body = exc.get_response_page()
        return send_bytes(
            start_response,
            _status_line(exc.value, status),
            body,
            content_type,
            exc.add_headers or [],
        )


def _condition_of(exc: DAVError) -> str | None:
    condition = getattr(exc, "err_condition", None)
    return getattr(condition, "condition_code", None) if condition else None


def _status_line(code: int, wsgidav_status: str) -> str:
    reasons = {413: "Content Too Large", 507: "Insufficient Storage", 415: "Unsupported Media Type"}
    return f"{code} {reasons[code]}" if code in reasons else wsgidav_status
