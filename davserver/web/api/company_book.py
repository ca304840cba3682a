"""/v1/company-book: whether the company address book is on, switching it on (which
exports the active contact persons of customers and suppliers the admin has not
switched off) and switching it off again."""

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
    """{"exported": n}: how many contact persons the book now carries (0 when it was on
    already)."""
    return {"exported": directory.enable_company_book(actor=actor())}


@blueprint.post("/disable")
def disable_company_book() -> ResponseReturnValue:
    """{"withdrawn": n}: how many contact persons left the phones' book (0 when it was off
    already); their export switches are kept for switching it on again."""
    return {"withdrawn": directory.disable_company_book(actor=actor())}
