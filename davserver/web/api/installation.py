"""/v1/installation: settings of the whole installation the admin can change; for now
its language (en or de), in which the company book's cards name their categories."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import TEXT, Field, read_fields
from resources.company_directory.book_language import set_installation_language
from resources.organisation.installation import installation_language

blueprint = Blueprint("installation", __name__, url_prefix="/v1/installation")

FIELDS = (Field("language", TEXT),)


@blueprint.get("")
def installation_settings() -> ResponseReturnValue:
    return {"language": installation_language()}


@blueprint.patch("")
def change_installation_settings() -> ResponseReturnValue:
    """{"language": "de"}: the company book's cards are rewritten in that language."""
    changes = read_fields(FIELDS, creating=False)
    if "language" in changes:
        set_installation_language(changes["language"], actor=actor())
    return {"language": installation_language()}
