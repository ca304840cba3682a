"""Where an import may go, for the admin UI and the API alike: a calendar or an
address book named by its DAV path (/dav/calendars/LOGIN/CALENDAR/,
/dav/addressbooks/LOGIN/BOOK/), a resource's calendar (resource:SLUG) or the
contacts directory (directory); who may import there; and running the import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from werkzeug.exceptions import Forbidden

from davserver.config import Settings
from davserver.dav import urls
from resources.auth.access import CALDAV, CARDDAV, resource_decision, service_classes
from resources.auth.credentials import find_credential
from resources.company_directory.directory_import import importing_into_directory
from resources.errors import NotFound
from resources.objects import address_books, calendar_collections
from resources.objects.calendar_collections import (
    ADDRESSBOOK,
    ADDRESSBOOKS_HOME,
    CALENDAR,
    CollectionProperties,
)
from resources.objects.calendar_import import (
    ImportReport,
    Steps,
    importing_calendar,
    record_import,
    run_steps,
)
from resources.objects.vcard_import import importing_vcards
from resources.organisation.resource_calendars import find_resource, resource_calendar
from resources.store.models import Collection
from resources.store.organisation import Resource, ServiceCredential, UserAccount

CALENDAR_FILE, VCARD_FILE = "calendar", "vcard"
DIRECTORY = "directory"
RESOURCE_PREFIX = "resource:"


@dataclass(frozen=True)
class ImportTarget:
    """A checked place to import into."""

    target: str  # as given: a DAV path, resource:SLUG or directory
    accepts: str  # CALENDAR_FILE or VCARD_FILE
    collection: Collection | None  # None: the contacts directory
    branch_id: int | None  # the branch new appointments get
    resource: Resource | None = None


def file_kind_for(target: str) -> str | None:
    """The kind of file a target takes, read from how it is written (before `resolve`
    makes a missing personal calendar): None for a target no import goes to."""
    target = target.strip()
    if target == DIRECTORY:
        return VCARD_FILE
    if target.startswith(RESOURCE_PREFIX):
        return CALENDAR_FILE
    try:
        home, _username, _path = _dav_path(target)
    except NotFound:
        return None
    return CALENDAR_FILE if home == urls.CALENDARS else VCARD_FILE


def resolve(target: str, account: UserAccount) -> ImportTarget:
    """The place `target` names, if `account` may import there (an administrator
    anywhere, anyone else into the calendars and books of their own logins); another
    account's login answers as if it did not exist."""
    target = target.strip()
    if target == DIRECTORY:
        if account.role != "admin":
            raise Forbidden("Only administrators may import into the contacts directory.")
        return ImportTarget(target, VCARD_FILE, None, None)
    if target.startswith(RESOURCE_PREFIX):
        if account.role != "admin":
            raise Forbidden("Only administrators may import into a resource by its name.")
        resource = _resource(target[len(RESOURCE_PREFIX) :])
        return ImportTarget(
            target, CALENDAR_FILE, resource_calendar(resource.id), resource.branch_id, resource
        )
    home, username, path = _dav_path(target)
    login = find_credential(username)
    if login is None or (account.role != "admin" and login.account_id != account.id):
        raise NotFound(f"There is no login named {username!r}.")
    if home == urls.CALENDARS:
        return _calendar_target(target, login, path, account)
    return _book_target(target, login, path, account)


def _resource(slug: str) -> Resource:
    resource = find_resource(slug)
    if resource is None:
        raise NotFound(f"There is no resource {slug!r}.")
    return resource


def _dav_path(target: str) -> tuple[str, str, str]:
    """(home, login, path in the home) of /dav/calendars/LOGIN/PATH/ or /dav/addressbooks/..."""
    segments = [s for s in unquote(urlsplit(target).path).split("/") if s]
    if segments[:1] == [urls.MOUNT.strip("/")]:
        segments = segments[1:]
    if len(segments) < 3 or segments[0] not in (urls.CALENDARS, urls.ADDRESSBOOKS):
        raise NotFound(
            f"{target!r} names no calendar or address book: give a path like "
            "/dav/calendars/LOGIN/CALENDAR/ or /dav/addressbooks/LOGIN/contacts/."
        )
    return segments[0], segments[1], "/".join(segments[2:])


def _calendar_target(
    target: str, login: ServiceCredential, path: str, account: UserAccount
) -> ImportTarget:
    if CALDAV not in service_classes(login):
        raise NotFound(
            f"The login {login.username!r} has no calendars (it is not set up for CalDAV)."
        )
    resource = find_resource(path.split("/", 1)[0])
    if resource is not None and "/" not in path:
        owner = UserAccount.get_or_none(UserAccount.id == login.account_id)
        if account.role != "admin" and not resource_decision(login, owner, resource).allowed:
            raise NotFound(f"The login {login.username!r} does not see {resource.name!r}.")
        return ImportTarget(
            target, CALENDAR_FILE, resource_calendar(resource.id), login.branch_id, resource
        )
    collection = calendar_collections.by_path(login.id, path)
    if collection is None and "/" not in path:
        collection = calendar_collections.create_collection(
            login.id, path, CALENDAR, CollectionProperties(display_name=path)
        )
    if collection is None or collection.kind != CALENDAR:
        raise NotFound(f"{target!r} is not a calendar.")
    return ImportTarget(target, CALENDAR_FILE, collection, login.branch_id)


def _book_target(
    target: str, login: ServiceCredential, path: str, account: UserAccount
) -> ImportTarget:
    if CARDDAV not in service_classes(login):
        raise NotFound(
            f"The login {login.username!r} has no address books (it is not set up for CardDAV)."
        )
    if path == address_books.COMPANY_PATH:
        return resolve(DIRECTORY, account)
    address_books.personal_books(login.id)
    book = calendar_collections.by_path(login.id, path, ADDRESSBOOKS_HOME)
    if book is None or book.kind != ADDRESSBOOK:
        raise NotFound(f"{target!r} is not an address book.")
    return ImportTarget(target, VCARD_FILE, book, None)


def run_import(
    place: ImportTarget,
    source: BinaryIO,
    settings: Settings,
    *,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the file into the place and write the audit entry."""
    return run_steps(importing(place, source, settings, actor=actor), progress)


def importing(place: ImportTarget, source: BinaryIO, settings: Settings, *, actor: str) -> Steps:
    """The import as steps of (done, total); the audit entry is written at its end."""
    if place.collection is None:
        steps = importing_into_directory(source, max_size=settings.max_vcard_size, actor=actor)
        action = "directory.import"
    elif place.accepts == VCARD_FILE:
        steps = importing_vcards(place.collection, source, max_size=settings.max_vcard_size)
        action = "addressbook.import"
    else:
        steps = importing_calendar(
            place.collection,
            source,
            max_size=settings.max_resource_size,
            branch_id=place.branch_id,
            max_instances=settings.max_instances,
        )
        action = "calendar.import"
    report = yield from steps
    record_import(actor, action, place.target, report)
    return report


def own_targets(account: UserAccount) -> list[tuple[str, str, str]]:
    """(target, label, accepts) of every place `account` may choose in the UI: an
    administrator the directory, every resource and every login; a user their own."""
    choices: list[tuple[str, str, str]] = []
    if account.role == "admin":
        choices.append((DIRECTORY, "Contacts directory", VCARD_FILE))
        for resource in Resource.select().order_by(Resource.name):
            choices.append((RESOURCE_PREFIX + resource.slug, resource.name, CALENDAR_FILE))
    logins = ServiceCredential.select().where(~ServiceCredential.integration)
    if account.role != "admin":
        logins = logins.where(ServiceCredential.account == account.id)
    for login in logins.order_by(ServiceCredential.username_key):
        choices += _login_targets(login, account)
    return choices


def _login_targets(login: ServiceCredential, account: UserAccount) -> list[tuple[str, str, str]]:
    classes = service_classes(login)
    found: list[tuple[str, str, str]] = []
    if CALDAV in classes:
        calendars = [
            c for c in calendar_collections.top_level(login.id) if c.kind == CALENDAR
        ] or None
        for calendar in calendars or ():
            path = urls.MOUNT + urls.collection_path(login.username, calendar.path)
            found.append(
                (path, f"{login.username}: {calendar.display_name or calendar.path}", CALENDAR_FILE)
            )
        if calendars is None:
            path = urls.MOUNT + urls.collection_path(login.username, "calendar")
            found.append((path, f"{login.username}: calendar", CALENDAR_FILE))
        if account.role != "admin":
            owner = UserAccount.get_or_none(UserAccount.id == login.account_id)
            for resource in Resource.select().order_by(Resource.name):
                if resource_decision(login, owner, resource).allowed:
                    path = urls.MOUNT + urls.collection_path(login.username, resource.slug)
                    found.append((path, f"{login.username}: {resource.name}", CALENDAR_FILE))
    if CARDDAV in classes:
        path = urls.MOUNT + urls.collection_path(
            login.username, address_books.PERSONAL_PATH, urls.ADDRESSBOOKS
        )
        found.append((path, f"{login.username}: contacts", VCARD_FILE))
    return found
