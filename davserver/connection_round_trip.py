"""The connection test's real round trips, run through the DAV application in-process as
that login: OPTIONS and PROPFIND on the resource URL (CalDAV), OPTIONS on the address
book home and PROPFIND on each address book (CardDAV). They only read: nothing is
written, and a personal address book that does not exist yet is not made by the test. A given password is checked
against the stored one, not sent through Basic auth: the administrator's test never
counts as a failed sign-in of the phone, nor as the login's use."""

from __future__ import annotations

import io
from urllib.parse import quote, unquote

from lxml import etree

from davserver.dav.auth import TRUSTED_LOGIN_KEY
from davserver.dav.xml import CARDDAV
from resources.auth.credentials import password_matches
from resources.error_codes import sentence
from resources.organisation.connection_test import Check
from resources.organisation.url_generator import AddressBookUrl, calendar_path

_PROPFIND = (
    b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:">'
    b"<D:prop><D:resourcetype/><D:current-user-principal/></D:prop></D:propfind>"
)


def _call(app, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
    return _request(app, method, path, headers, body)[0]


def _request(
    app, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """(status, response headers by lower-case name, body) of one in-process request."""
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "/dav",
        "PATH_INFO": path[len("/dav") :],
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "localhost",
    }
    environ.update(headers)
    status: list[str] = []
    answer_headers: dict[str, str] = {}

    def start_response(line, headers, exc_info=None):
        status.append(line)
        answer_headers.update((name.lower(), value) for name, value in headers)

    chunks = app(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    code = int(status[0].split(" ", 1)[0]) if status else 500
    return code, answer_headers, content


def make_round_trip(dav_app):
    """A round-trip function for resources.organisation.connection_test.run_connection_test."""

    def round_trip(username: str, slug: str, password: str | None) -> list[Check]:
        path = unquote(calendar_path(username, slug))
        as_login = {TRUSTED_LOGIN_KEY: username}
        checks = []
        options = _call(dav_app, "OPTIONS", path, as_login)
        checks.append(
            Check(
                "options",
                options == 200,
                sentence("check_options")
                if options == 200
                else sentence("check_options_failed", status=options),
            )
        )
        propfind = _call(
            dav_app,
            "PROPFIND",
            path,
            {**as_login, "HTTP_DEPTH": "0", "CONTENT_TYPE": "application/xml"},
            _PROPFIND,
        )
        checks.append(
            Check(
                "propfind",
                propfind == 207,
                sentence("check_propfind")
                if propfind == 207
                else sentence("check_propfind_failed", status=propfind),
            )
        )
        if password is not None:
            checks.append(_password_check(username, password))
        return checks

    return round_trip


def _password_check(username: str, password: str) -> Check:
    return password_verdict(password_matches(username, password))


def password_verdict(matches: bool) -> Check:
    """The password check for a verdict already reached."""
    return Check(
        "password",
        matches,
        sentence("check_password_correct" if matches else "check_password_wrong"),
    )


_BOOK_PROPFIND = (
    b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:">'
    b"<D:prop><D:resourcetype/><D:sync-token/></D:prop></D:propfind>"
)


def _is_address_book(body: bytes) -> bool:
    try:
        answer = etree.fromstring(body)
    except etree.XMLSyntaxError:
        return False
    return answer.find(f".//{{{CARDDAV}}}addressbook") is not None


def make_address_book_round_trip(dav_app):
    """The CardDAV round trip for run_connection_test(service="carddav")."""

    def round_trip(username: str, books, password: str | None) -> list[Check]:
        as_login = {TRUSTED_LOGIN_KEY: username}
        home = unquote(f"/dav/addressbooks/{quote(username, safe='@')}/")
        status, headers, _body = _request(dav_app, "OPTIONS", home, as_login)
        offers_books = "addressbook" in headers.get("dav", "")
        checks = [
            Check(
                "options",
                status == 200 and offers_books,
                sentence("check_book_options")
                if status == 200 and offers_books
                else sentence("check_options_failed", status=status)
                if status != 200
                else sentence("check_no_address_books"),
            )
        ]
        checks.extend(_book_check(dav_app, as_login, book) for book in books)
        if password is not None:
            checks.append(_password_check(username, password))
        return checks

    return round_trip


def _book_check(dav_app, as_login: dict[str, str], book: AddressBookUrl) -> Check:
    code = "company_book" if book.company else "addressbook"
    if not book.exists:
        return Check(code, True, sentence("check_personal_book_later"))
    status, _headers, body = _request(
        dav_app,
        "PROPFIND",
        unquote(book.path),
        {**as_login, "HTTP_DEPTH": "0", "CONTENT_TYPE": "application/xml"},
        _BOOK_PROPFIND,
    )
    found = status == 207 and _is_address_book(body)
    if book.company:
        return Check(
            code,
            found,
            sentence("check_company_book")
            if found
            else sentence("check_company_book_failed", status=status),
        )
    return Check(
        code,
        found,
        sentence("check_book", name=book.book)
        if found
        else sentence("check_book_failed", name=book.book, status=status),
    )
