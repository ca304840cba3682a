"""API errors as {"error": code, "message": sentence}: one place maps domain errors and
HTTP errors to a status, so no bad input ever ends as a 500. A domain refusal also says
its catalogue code ("code", e.g. "branch_name_length") and the field it concerns
("field") when it has them; "error" stays the broad kind scripts already check."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from resources.company_directory.synced_contacts import SyncedRecordReadOnly
from resources.errors import (
    AlreadyExists,
    DomainError,
    InvalidProperty,
    NotFound,
    PreconditionFailed,
    RequestTimeExhausted,
    ResourceTooLarge,
    TooManyInstances,
    UidConflict,
)
from resources.organisation.field_changes import InUse
from resources.organisation.url_generator import AccessRefused

log = logging.getLogger("davserver.api")

# Most specific first: the first class a domain error is an instance of decides.
DOMAIN_ERRORS: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (AlreadyExists, 409, "already_exists"),
    (InUse, 409, "in_use"),
    (UidConflict, 409, "uid_conflict"),
    (PreconditionFailed, 409, "conflict"),
    (SyncedRecordReadOnly, 409, "synced_entry"),
    (ResourceTooLarge, 413, "too_large"),
    (TooManyInstances, 403, "max_instances"),
    (RequestTimeExhausted, 503, "time_budget"),
    (InvalidProperty, 422, "invalid_value"),
)


class ApiError(Exception):
    """A refusal the API itself decides (bad JSON, unknown field, not signed in, ...)."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    detail: dict[str, str] | None = None,
) -> Response:
    response = jsonify({"error": code, "message": message, **(detail or {})})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message, error.headers)


def _domain_error(error: DomainError) -> Response:
    detail = {"code": error.code} if error.code else {}
    if error.field:
        detail["field"] = error.field
    if isinstance(error, AccessRefused):
        return error_response(409, error.code, error.message, detail=detail)
    for kind, status, code in DOMAIN_ERRORS:
        if isinstance(error, kind):
            return error_response(status, code, error.message, detail=detail)
    return error_response(422, "invalid_value", error.message, detail=detail)


def _http_error(error: HTTPException) -> Response:
    code = (error.name or "error").lower().replace(" ", "_")
    kept = {
        k: v for k, v in error.get_headers() if k.lower() not in ("content-type", "content-length")
    }
    message = {
        404: "There is nothing at this address in the API.",
        405: "This address does not accept this method.",
        413: "The request body is too large.",
    }.get(error.code or 0, error.description or "The request cannot be served.")
    return error_response(error.code or 500, code, message, kept)


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error in the API: %s", type(error).__name__)
    return error_response(
        500, "internal_error", "Something went wrong on the server; the log has the details."
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
