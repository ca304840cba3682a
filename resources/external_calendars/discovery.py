"""Finding the calendars of an external CalDAV account as clients do (RFC 6764 §6,
RFC 4791 §6.2.1, RFC 5397): from a bare host through `/.well-known/caldav`, from a
principal through `calendar-home-set`, from a home by listing it, or from the calendar
itself; with the provider quirks of seed 001: a missing trailing slash, and a stray last
segment (All-Inkl's `/1/`) that is tried without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from resources.error_codes import Sentence, Value
from resources.errors import InvalidProperty
from resources.external_calendars.remote import (
    CALENDAR,
    COLOR,
    COMP,
    COMPONENTS,
    DISPLAYNAME,
    HOME_SET,
    PRINCIPAL,
    PRIVILEGES,
    PROPFIND,
    RESOURCETYPE,
    CalDavClient,
    Login,
    RemoteResponse,
    RemoteUnreachable,
    clark,
)

ALL_COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")  # what a calendar without the property takes
WRITE_PRIVILEGES = frozenset(
    clark("DAV:", name) for name in ("write", "write-content", "bind", "all")
)
LISTING = (RESOURCETYPE, DISPLAYNAME, COLOR, COMPONENTS, PRIVILEGES)
HERE = (RESOURCETYPE, PRINCIPAL, HOME_SET, *LISTING[1:])


class DiscoveryFailed(InvalidProperty):
    """No calendars were found; `check` names the step that failed (url, reach, login,
    calendars), as the API answers it."""

    def __init__(self, *, check: str, code: str, **params: Value) -> None:
        super().__init__(Sentence(code, params), field="url")
        self.check = check


@dataclass(frozen=True)
class RemoteCalendar:
    url: str
    name: str
    color: str
    components: tuple[str, ...]
    read_only: bool

    def view(self) -> dict[str, object]:
        return {
            "url": self.url,
            "name": self.name,
            "color": self.color,
            "components": list(self.components),
            "read_only": self.read_only,
        }


@dataclass(frozen=True)
class Discovered:
    url: str  # where the calendars were found
    calendars: tuple[RemoteCalendar, ...]


def candidate_urls(url: str) -> list[str]:
    """The URL, with a trailing slash, and without its last segment (a stray `/1/`)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    candidates = [url if parts.path else url + "/"]
    if not path.endswith("/"):
        candidates.append(parts._replace(path=path + "/").geturl())
    trimmed = path.rstrip("/")
    if trimmed:
        parent = trimmed.rsplit("/", 1)[0] + "/"
        candidates.append(parts._replace(path=parent).geturl())
    return list(dict.fromkeys(candidates))


def _calendar(base: str, item: RemoteResponse) -> RemoteCalendar:
    found = item.props.get(COMPONENTS)
    components: tuple[str, ...] = ALL_COMPONENTS
    if found is not None and COMP in found.names:
        names = tuple(a["name"].upper() for a in found.attributes if a.get("name"))
        components = names or ALL_COMPONENTS
    privileges = item.props.get(PRIVILEGES)
    read_only = privileges is not None and not (privileges.names & WRITE_PRIVILEGES)
    return RemoteCalendar(
        urljoin(base, item.href),
        item.text(DISPLAYNAME) or item.href.rstrip("/").rsplit("/", 1)[-1],
        item.text(COLOR),
        components,
        read_only,
    )


class _Discovery:
    def __init__(self, client: CalDavClient, login: Login) -> None:
        self.client = client
        self.login = login

    def propfind(self, url: str, props: tuple[str, ...], depth: str) -> list[RemoteResponse]:
        answer = self.client.dav(PROPFIND, url, props, self.login, depth=depth)
        if answer.status == 401:
            raise DiscoveryFailed(check="login", code="external_login_refused", status=401)
        return list(answer.responses) if answer.status == 207 else []

    def calendars_in(self, url: str) -> list[RemoteCalendar]:
        return [
            _calendar(url, item)
            for item in self.propfind(url, LISTING, "1")
            if item.has(RESOURCETYPE, CALENDAR)
        ]

    def calendars_at(self, url: str) -> list[RemoteCalendar]:
        if urlsplit(url).path in ("", "/"):
            well_known = self.client.dav(
                PROPFIND, urljoin(url, "/.well-known/caldav"), (RESOURCETYPE,), self.login
            )
            if well_known.status == 207:
                url = well_known.url
        found = self.propfind(url, HERE, "0")
        if not found:
            return []
        here = found[0]
        if here.has(RESOURCETYPE, CALENDAR):
            return [_calendar(url, here)]
        home = here.href_in(HOME_SET)
        if not home and here.href_in(PRINCIPAL):
            principal = urljoin(url, here.href_in(PRINCIPAL))
            home = next((i.href_in(HOME_SET) for i in self.propfind(principal, HERE, "0")), "")
        if home and urljoin(url, home) != url:
            listed = self.calendars_in(urljoin(url, home))
            if listed:
                return listed
        return self.calendars_in(url)


def discover(url: str, login: Login, client: CalDavClient) -> Discovered:
    """The calendars the account's URL leads to; DiscoveryFailed naming the failed check."""
    url = url.strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise DiscoveryFailed(check="url", code="external_url_invalid")
    discovery = _Discovery(client, login)
    tried = candidate_urls(url)
    reached = False
    last_problem: Sentence | str = ""
    for candidate in tried:
        try:
            calendars = discovery.calendars_at(candidate)
        except RemoteUnreachable as error:
            last_problem = error.sentence
            continue
        reached = True
        if calendars:
            return Discovered(candidate, tuple(calendars))
    if not reached:
        raise DiscoveryFailed(check="reach", code="external_unreachable", reason=last_problem)
    raise DiscoveryFailed(check="calendars", code="external_no_calendars", tried=", ".join(tried))
