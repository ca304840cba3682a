"""The resource-specific URL (seed 003): one URL per credential and resource, to send
to the phone; an error that names the reason when there is none to give."""

from __future__ import annotations

from urllib.parse import quote

from resources.auth.access import resource_decision
from resources.auth.credentials import find_credential
from resources.error_codes import Sentence
from resources.errors import DomainError, NotFound
from resources.organisation.resource_calendars import find_resource

CALENDAR_PATH = "/dav/calendars/{username}/{slug}/"
COMPANY_BOOK_PATH = "/dav/addressbooks/{username}/company/"


class AccessRefused(DomainError):
    """The credential may not see the resource; `code` (the access decision's) says why."""

    def __init__(self, reason: Sentence) -> None:
        super().__init__(reason)
        self.code: str = reason.code


def calendar_path(username: str, slug: str) -> str:
    return CALENDAR_PATH.format(username=quote(username, safe="@"), slug=quote(slug))


def resource_url(public_base: str, username: str, slug: str) -> str:
    """`<public URL>/dav/calendars/<username>/<slug>/` if the credential may see the resource."""
    credential = find_credential(username)
    if credential is None:
        raise NotFound(code="credential_unsaved")
    resource = find_resource(slug)
    if resource is None:
        raise NotFound(code="no_resource_named", field="resource", slug=slug)
    account = credential.account if credential.account_id else None
    decision = resource_decision(credential, account, resource)
    if not decision.allowed:
        raise AccessRefused(decision.reason)
    return public_base.rstrip("/") + calendar_path(credential.username, resource.slug)
