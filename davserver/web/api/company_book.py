"""/v1/company-book: whether the company address book is on, and switching it on (the
first time exports the active contact persons of customers and suppliers)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from resources.company_directory import directory

blueprint = Blueprint("company_book", __name__, url_prefix="/v1/company-book")


@blueprint.get("")
def company_book_state() -> ResponseReturnValue:
    return {"enabled": directory.book_enabled()}


@blueprint.post("/enable")
def enable_company_book() -> ResponseReturnValue:
    """{"exported": n}: how many contacts this call switched on (0 when it was on already)."""
    return {"exported": directory.enable_company_book(actor=actor())}
