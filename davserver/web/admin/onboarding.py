"""Getting a login onto a phone (seed 003), for the administrator and in self-service:
the resource-specific URL for each resource the login may see (with the reason where
it may not), the address book URLs of a CardDAV login, their QR codes, an Apple
configuration profile (.mobileconfig) for the chosen resource, a typed password's
checks, and the connection test (CalDAV or CardDAV)."""

from __future__ import annotations

import io
import plistlib
import unicodedata
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import segno
from flask import Response

from davserver.connection_round_trip import make_address_book_round_trip, make_round_trip
from davserver.content_disposition import attachment
from davserver.web.admin.context import dav_app, settings
from davserver.web.admin.domain_messages import translated
from davserver.web.admin.i18n import N_, _
from resources.auth import passwords
from resources.auth.access import CALDAV, CARDDAV, resource_decision, service_classes
from resources.errors import NotFound
from resources.organisation.connection_test import ConnectionTestResult, run_connection_test
from resources.organisation.resource_calendars import list_resources
from resources.organisation.url_generator import AddressBookUrl, addressbook_urls, calendar_path
from resources.store.organisation import ServiceCredential

PASSWORD_MIN = passwords.PASSWORD_MIN
PROFILE_TYPE = "application/x-apple-aspen-config"
CHECK_LABELS = {
    "credential_saved": N_("Login saved"),
    "password_set": N_("Password set"),
    "confirmed": N_("Confirmed"),
    "validity_window": N_("Validity"),
    "account_active": N_("User account active"),
    "service_class": N_("Service class"),
    "resource_exists": N_("Resource exists"),
    "resource_active": N_("Resource active"),
    "sync_allowed": N_("Sync allowed"),
    "resource_visible": N_("Visible to this login"),
    "options": N_("Server reachable"),
    "propfind": N_("Calendar found"),
    "password": N_("Password"),
    "not_locked_out": N_("Not locked out"),
    "addressbook": N_("Address book found"),
    "company_book": N_("Company address book found"),
}


@dataclass(frozen=True)
class ResourceChoice:
    """A resource in the URL panel: its URL for this login, or why there is none."""

    slug: str
    name: str
    kind: str
    url: str | None
    refusal: str | None


@dataclass(frozen=True)
class UrlPanel:
    """The calendar URL per resource (CalDAV logins) and the address book URLs (CardDAV)."""

    choices: list[ResourceChoice]
    selected: ResourceChoice | None
    has_calendar: bool = True
    books: tuple[AddressBookUrl, ...] = ()

    @property
    def usable(self) -> list[ResourceChoice]:
        return [c for c in self.choices if c.url]

    @property
    def refused(self) -> list[ResourceChoice]:
        return [c for c in self.choices if not c.url]


def resource_choices(credential: ServiceCredential, base: str) -> list[ResourceChoice]:
    """Every resource, those this login may sync first, each with its URL or reason."""
    account = credential.account if credential.account_id else None
    choices = []
    for resource in list_resources():
        decision = resource_decision(credential, account, resource)
        url = (
            base.rstrip("/") + calendar_path(credential.username, resource.slug)
            if decision.allowed
            else None
        )
        choices.append(
            ResourceChoice(
                resource.slug,
                resource.name,
                resource.kind,
                url,
                None if decision.allowed else translated(decision.reason),
            )
        )
    return sorted(choices, key=lambda c: (c.url is None, c.kind, c.name.casefold()))


def url_panel(
    credential: ServiceCredential, base: str, wanted: str | None, *, usable_only: bool
) -> UrlPanel:
    books = tuple(addressbook_urls(base, credential))
    if CALDAV not in service_classes(credential):
        return UrlPanel([], None, has_calendar=False, books=books)
    choices = resource_choices(credential, base)
    if usable_only:
        choices = [c for c in choices if c.url]
    selected = next((c for c in choices if c.slug == wanted), None)
    if selected is None:
        selected = next((c for c in choices if c.url), choices[0] if choices else None)
    return UrlPanel(choices, selected, books=books)


def qr_text(
    credential: ServiceCredential, base: str, resource: str | None, book: str | None
) -> str:
    """The URL a QR code shows: the calendar of `resource`, or address book `book`."""
    if book is not None:
        for found in addressbook_urls(base, credential):
            if found.book == book:
                return found.url
        raise NotFound(code="no_such_address_book", field="book")
    choice = chosen_calendar(credential, base, resource)
    if choice is None:
        raise NotFound(code="no_such_calendar_for_login", field="resource")
    return choice.url or ""


def chosen_calendar(
    credential: ServiceCredential, base: str, resource: str | None
) -> ResourceChoice | None:
    """The resource `resource` if this login may sync it, else None."""
    if not resource or CALDAV not in service_classes(credential):
        return None
    return next(
        (c for c in resource_choices(credential, base) if c.slug == resource and c.url), None
    )


def qr_response(text: str) -> Response:
    """The text as a QR code (SVG, error correction M)."""
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=5, border=2, xmldecl=False, title=text)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _account_payload(
    prefix: str,
    payload_type: str,
    credential: ServiceCredential,
    base: str,
    principal: str,
    description: str,
) -> dict:
    parts = urlsplit(base)
    secure = parts.scheme == "https"
    return {
        "PayloadType": payload_type,
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{_identifier(parts.hostname or 'davserver', credential.username)}.{prefix.lower()}",
        "PayloadUUID": str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/{prefix}/{credential.username}")
        ).upper(),
        "PayloadDisplayName": description,
        f"{prefix}AccountDescription": description,
        f"{prefix}HostName": parts.hostname or "",
        f"{prefix}Port": parts.port or (443 if secure else 80),
        f"{prefix}UseSSL": secure,
        f"{prefix}PrincipalURL": f"{parts.path.rstrip('/')}{principal}",
        f"{prefix}Username": credential.username,
    }


def _identifier(host: str, username: str) -> str:
    reversed_host = ".".join(reversed(host.split("."))) if host else "davserver"
    return f"{reversed_host}.davserver.{_safe(username)}"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text)


def _resource_payload(
    credential: ServiceCredential, base: str, calendar: ResourceChoice
) -> dict[str, str]:
    """The CalDAV account's start URL, name and identity for one resource."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/") + calendar_path(credential.username, calendar.slug)
    description = _("Calendar %(name)s", name=calendar.name)
    host = parts.hostname or "davserver"
    return {
        "CalDAVPrincipalURL": path,
        "CalDAVAccountDescription": description,
        "PayloadDisplayName": description,
        "PayloadIdentifier": f"{_identifier(host, credential.username)}.caldav.{_safe(calendar.slug)}",
        "PayloadUUID": str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/CalDAV/{credential.username}/{calendar.slug}")
        ).upper(),
    }


def mobileconfig(
    credential: ServiceCredential, base: str, calendar: ResourceChoice | None = None
) -> bytes:
    """An Apple configuration profile with the CalDAV account, and the CardDAV account
    when the login has contacts; the device asks for the password on install. With a
    chosen resource the CalDAV account starts at that resource's URL (and is a profile
    of its own, so one per resource can be installed)."""
    principal = f"/dav/principals/{quote(credential.username, safe='@')}/"
    classes = service_classes(credential)
    name = credential.display_name or credential.username
    content = []
    if CALDAV in classes:
        payload = _account_payload(
            "CalDAV",
            "com.apple.caldav.account",
            credential,
            base,
            principal,
            _("Calendar %(name)s", name=name),
        )
        if calendar is not None:
            payload.update(_resource_payload(credential, base, calendar))
        content.append(payload)
    if CARDDAV in classes:
        content.append(
            _account_payload(
                "CardDAV",
                "com.apple.carddav.account",
                credential,
                base,
                principal,
                _("Contacts %(name)s", name=name),
            )
        )
    host = urlsplit(base).hostname or "davserver"
    suffix = f"/{calendar.slug}" if calendar is not None else ""
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": _identifier(host, credential.username)
        + (f".{_safe(calendar.slug)}" if calendar is not None else ""),
        "PayloadUUID": str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/profile/{credential.username}{suffix}")
        ).upper(),
        "PayloadDisplayName": _("Calendar and contacts for %(name)s", name=name),
        "PayloadDescription": _(
            "Sets up the accounts of the login %(name)s.", name=credential.username
        ),
        "PayloadRemovalDisallowed": False,
        "PayloadContent": content,
    }
    return plistlib.dumps(_without_control_characters(profile), fmt=plistlib.FMT_XML)


def _without_control_characters(value):
    """XML cannot carry most control characters, and plistlib refuses them: names saved
    before they were refused (see resources.auth.credentials.check_username) lose them here."""
    if isinstance(value, str):
        return "".join(c for c in value if c in "\t\n\r" or unicodedata.category(c) != "Cc")
    if isinstance(value, dict):
        return {k: _without_control_characters(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_control_characters(v) for v in value]
    return value


def profile_response(
    credential: ServiceCredential, base: str, resource: str | None = None
) -> Response:
    """The profile, for resource `resource` when given (404 when this login may not sync it)."""
    calendar = chosen_calendar(credential, base, resource)
    if resource and calendar is None:
        raise NotFound(code="no_such_calendar_for_login", field="resource")
    response = Response(mobileconfig(credential, base, calendar), mimetype=PROFILE_TYPE)
    name = f"{credential.username}-{calendar.slug}" if calendar else credential.username
    response.headers["Content-Disposition"] = attachment(name, ".mobileconfig")
    response.headers["Cache-Control"] = "no-store"
    return response


def password_errors(password: str, repeated: str) -> dict[str, str]:
    """Errors of a typed new password, by field."""
    if len(password) < PASSWORD_MIN:
        return {"password": _("Please use at least %(count)s characters.", count=PASSWORD_MIN)}
    if len(password) > 1024:
        return {"password": _("Please use at most %(limit)s characters.", limit=1024)}
    if password != repeated:
        return {"password_repeat": _("The two passwords are not the same.")}
    return {}


def connection_test(
    username: str, slug: str, password: str | None, service: str = CALDAV
) -> ConnectionTestResult:
    dav = dav_app()
    return run_connection_test(
        username,
        slug,
        service=service,
        password=password or None,
        round_trip=make_round_trip(dav),
        address_book_round_trip=make_address_book_round_trip(dav),
        failures_per_user=settings().login_failures_per_user,
    )


def testable_services(credential: ServiceCredential) -> list[str]:
    """The services the test can check for this login, appointments first."""
    classes = service_classes(credential)
    return [s for s in (CALDAV, CARDDAV) if s in classes] or [CALDAV]


def check_label(code: str) -> str:
    return _(CHECK_LABELS[code]) if code in CHECK_LABELS else code
