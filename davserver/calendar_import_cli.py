"""`davserver import --calendar URL-PATH FILE.ics`: bulk import with a progress bar
on a terminal and a list of what was skipped."""

from __future__ import annotations

import sys
from urllib.parse import unquote, urlsplit

from davserver.config import Settings
from davserver.dav import urls
from resources.auth.access import CALDAV, resource_decision, service_classes
from resources.auth.credentials import find_credential
from resources.errors import DomainError
from resources.objects import calendar_collections
from resources.objects.calendar_collections import CALENDAR, CollectionProperties
from resources.objects.calendar_import import import_calendar, record_import
from resources.organisation.resource_calendars import find_resource, resource_calendar
from resources.store.models import Collection
from resources.store.organisation import ServiceCredential, UserAccount


def _target(calendar_url: str) -> tuple[str, str]:
    """(username, calendar path in the home) from /dav/calendars/<user>/<calendar>/."""
    path = unquote(urlsplit(calendar_url).path)
    segments = [s for s in path.split("/") if s]
    if segments[:1] == [urls.MOUNT.strip("/")]:
        segments = segments[1:]
    if len(segments) < 3 or segments[0] != urls.CALENDARS:
        raise ValueError(
            f"{calendar_url!r} is not a calendar URL like /dav/calendars/USER/CALENDAR/"
        )
    return segments[1], "/".join(segments[2:])


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def register(commands) -> None:
    from davserver.cli import add_store_flags

    importer = commands.add_parser("import", help="import a .ics file into a calendar")
    importer.add_argument(
        "--calendar",
        required=True,
        metavar="URL-PATH",
        help="the calendar as the login's phone sees it, e.g. /dav/calendars/anna/work/ (a personal "
        "calendar is created if missing) or /dav/calendars/anna/raum-1/ (a room)",
    )
    importer.add_argument("file", metavar="FILE.ics")
    add_store_flags(importer)
    importer.set_defaults(handler=cmd_import)


def cmd_import(args) -> int:
    from davserver.cli import open_store_or_fail, settings_from

    settings = settings_from(args)
    open_store_or_fail(settings)
    return run_import(args.calendar, args.file, settings)


def run_import(calendar_url: str, file_path: str, settings: Settings) -> int:
    from davserver.cli import CliError

    try:
        username, path = _target(calendar_url)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    owner = find_credential(username)
    if owner is None:
        raise CliError(f"there is no login named {username!r}")
    try:
        handle = open(file_path, "rb")  # noqa: SIM115 (closed below; read twice, never whole)
    except OSError as exc:
        raise CliError(f"cannot read {file_path}: {exc.strerror}") from None
    with handle:
        try:
            collection = _collection_named(owner, path, calendar_url)
        except DomainError as exc:
            raise CliError(f"{calendar_url}: {exc.message}") from None
        report = import_calendar(
            collection,
            handle,
            max_size=settings.max_resource_size,
            progress=_progress_printer(),
            branch_id=owner.branch_id,
            max_instances=settings.max_instances,
        )
    record_import("cli", "calendar.import", calendar_url, report)
    print(
        f"Imported {report.imported} object(s) into {calendar_url}; skipped {len(report.skipped)}."
    )
    if report.uids_given:
        print(f"  {report.uids_given} object(s) had no UID and got one.")
    for skipped in report.in_file_order():
        uid = f" (UID {skipped.uid})" if skipped.uid else ""
        print(f"  skipped the object at line {skipped.line}{uid}: {skipped.reason}")
    return 0


def _collection_named(owner: ServiceCredential, path: str, calendar_url: str) -> Collection:
    """Exactly the calendar the URL names for this login, as a phone would find it: a
    resource calendar the login sees, or one of its own (a new one at a free top-level name)."""
    from davserver.cli import CliError

    if CALDAV not in service_classes(owner):
        raise CliError(f"the login {owner.username!r} is not set up for calendars (CalDAV)")
    resource = find_resource(path.split("/", 1)[0])
    if resource is not None:
        if "/" in path:
            raise CliError(
                f"{calendar_url} is below the calendar of the resource {resource.name!r}; "
                "give the calendar's own URL"
            )
        account = (
            UserAccount.get_or_none(UserAccount.id == owner.account_id)
            if owner.account_id
            else None
        )
        decision = resource_decision(owner, account, resource)
        if not decision.allowed:
            raise CliError(
                f"{calendar_url} is the calendar of the resource {resource.name!r}, which the login "
                f"{owner.username!r} does not see: {decision.sentence} Nothing was imported."
            )
        return resource_calendar(resource.id)
    collection = calendar_collections.by_path(owner.id, path)
    if collection is None:
        return calendar_collections.create_collection(
            owner.id, path, CALENDAR, CollectionProperties(display_name=path.rsplit("/", 1)[-1])
        )
    if collection.kind != CALENDAR:
        raise CliError(f"{calendar_url} is not a calendar")
    return collection
