"""The URLs to send to the phone: the resource-specific calendar URL (seed 003), one per
credential and resource, with an error that names the reason when there is none to give;
and the address book URLs of a CardDAV login (its own books and the company book)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from resources.auth.access import CARDDAV, resource_decision, service_classes
from resources.auth.credentials import find_credential
from resources.error_codes import Sentence
from resources.errors import DomainError, NotFound
from resources.objects.address_books import COMPANY_PATH, PERSONAL_PATH
from resources.objects.calendar_collections import ADDRESSBOOKS_HOME, top_level
from resources.organisation.resource_calendars import find_resource
from resources.store.organisation import ServiceCredential

CALENDAR_PATH = "/dav/calendars/{username}/{slug}/"
ADDRESSBOOK_PATH = "/dav/addressbooks/{username}/{book}/"
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


@dataclass(frozen=True)
class AddressBookUrl:
    """One address book of a CardDAV login: its path segment, path and full URL; `exists`
    is False for the personal book `contacts` the phone's first request will make."""

    book: str
    company: bool
    path: str
    url: str
    exists: bool


def addressbook_path(username: str, book: str) -> str:
    return ADDRESSBOOK_PATH.format(username=quote(username, safe="@"), book=quote(book))


def addressbook_urls(public_base: str, credential: ServiceCredential) -> list[AddressBookUrl]:
    """The login's own address books (integration logins have none), then the company
    book; empty when the login is not set up for contacts. Reads only: nothing is made."""
    if CARDDAV not in service_classes(credential):
        return []
    base = public_base.rstrip("/")
    found: list[AddressBookUrl] = []
    if not credential.integration:
        own = [c.path for c in top_level(credential.id, ADDRESSBOOKS_HOME)]
        for book in own or [PERSONAL_PATH]:
            path = addressbook_path(credential.username, book)
            found.append(AddressBookUrl(book, False, path, base + path, bool(own)))
    path = addressbook_path(credential.username, COMPANY_PATH)
    found.append(AddressBookUrl(COMPANY_PATH, True, path, base + path, True))
    return found
