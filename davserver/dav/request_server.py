"""Our WsgiDAV request server: adds REPORT, MKCALENDAR and extended MKCOL, owns
PUT, OPTIONS and GET, forbids Depth: infinity PROPFIND, and runs every write method in
one database transaction.
"""

from __future__ import annotations

from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from wsgidav.dav_error import DAVError
from wsgidav.request_resolver import RequestResolver
from wsgidav.request_server import RequestServer

from davserver.content_disposition import attachment
from davserver.dav import report_registry, urls
from davserver.dav.calendar_export import export_calendar
from davserver.dav.errors import DavError
from davserver.dav.mkcalendar import handle_creation
from davserver.dav.nodes.base import read_only
from davserver.dav.nodes.calendar import CalendarNode
from davserver.dav.nodes.calendar_home import CalendarHomeNode
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.nodes.resource_calendar import ResourceCalendarNode
from davserver.dav.nodes.scheduling_mailbox import OutboxNode
from davserver.dav.post_registry import find_post_handler
from davserver.dav.propfind import handle_propfind
from davserver.dav.proppatch import handle_proppatch
from davserver.dav.put import handle_put
from davserver.dav.responses import send_bytes
from davserver.dav.xml import DAV, qname
from resources.objects.calendar_collections import CALENDAR
from resources.scheduling.deliveries import tag_of
from resources.store.database import write_transaction

DAV_CLASSES = "1, 3, calendar-access, calendar-auto-schedule, addressbook, extended-mkcol"
_READ = ["OPTIONS", "GET", "HEAD", "PROPFIND", "REPORT"]
_WRITE_MEMBERS = ["PUT", "DELETE", "MOVE", "COPY", "PROPPATCH"]


def allowed_methods(node) -> list[str]:
    if node is None:
        return ["OPTIONS", "PUT", "MKCOL", "MKCALENDAR"]
    if isinstance(node, ObjectNode):
        return _READ + _WRITE_MEMBERS
    if isinstance(node, OutboxNode):
        return _READ + ["POST", "PROPPATCH"]
    if isinstance(node, CollectionNode):
        return (
            _READ
            + _WRITE_MEMBERS
            + (["MKCOL", "MKCALENDAR"] if node.allows_child_collections else [])
        )
    if isinstance(node, CalendarHomeNode):
        return _READ + ["PROPPATCH", "MKCOL", "MKCALENDAR"]
    return _READ


class DavRequestServer(RequestServer):
    def __init__(self, provider) -> None:
        super().__init__(provider)
        self.allow_propfind_infinite = False
        self._possible_methods += ["REPORT", "MKCALENDAR", "ACL"]

    def do_OPTIONS(self, environ, start_response):
        node = self._davProvider.get_resource_inst(environ["PATH_INFO"], environ)
        headers = [
            ("DAV", DAV_CLASSES),
            ("Allow", ", ".join(allowed_methods(node))),
            ("Content-Length", "0"),
        ]
        start_response("200 OK", headers)
        return [b""]

    def do_PUT(self, environ, start_response):
        return handle_put(self._davProvider, environ, start_response)

    def do_GET(self, environ, start_response):
        return self._get_or_head(environ, start_response, head=False)

    def do_HEAD(self, environ, start_response):
        return self._get_or_head(environ, start_response, head=True)

    def _get_or_head(self, environ, start_response, *, head: bool):
        node = self._davProvider.get_resource_inst(environ["PATH_INFO"], environ)
        if isinstance(node, CalendarNode):
            body = export_calendar(node.row.id, node.get_display_name())
            chunks = send_bytes(
                start_response,
                "200 OK",
                body,
                "text/calendar; charset=utf-8",
                [("Content-Disposition", attachment(node.name or "calendar", ".ics"))],
            )
            return [b""] if head else chunks
        if node is not None and node.is_collection:
            raise DavError(405, "This collection has no content to GET; use PROPFIND to list it.")
        convert = (
            self._davProvider.conversions.get(node.row.component)
            if isinstance(node, ObjectNode)
            else None
        )
        converted = convert(node, environ) if convert is not None else None
        if converted is not None:
            body, content_type = converted
            chunks = send_bytes(
                start_response,
                "200 OK",
                body,
                content_type,
                [("ETag", f'"{node.row.etag}"'), ("Vary", "Accept")],
            )
            return [b""] if head else chunks
        if isinstance(node, ObjectNode) and _matches_none_match(environ, node.row.etag):
            # WsgiDAV answers 304 without the ETag (RFC 9110 §15.4.5 wants it).
            start_response(
                "304 Not Modified", [("ETag", f'"{node.row.etag}"'), ("Content-Length", "0")]
            )
            return [b""]
        if isinstance(node, ObjectNode) and not any(h in environ for h in _OTHER_CONDITIONS):
            return _send_object(node, start_response, head=head)
        if head:
            return super().do_HEAD(environ, start_response)
        return super().do_GET(environ, start_response)

    def do_MKCALENDAR(self, environ, start_response):
        with write_transaction():
            return handle_creation(self._davProvider, environ, start_response, mkcol=False)

    def do_MKCOL(self, environ, start_response):
        with write_transaction():
            return handle_creation(self._davProvider, environ, start_response, mkcol=True)

    def do_POST(self, environ, start_response):
        """POST where a protocol package registered it (a scheduling outbox), else 405."""
        node = self._davProvider.get_resource_inst(environ["PATH_INFO"], environ)
        if node is None:
            raise DavError(404, "Not found.")
        found = find_post_handler(self._davProvider.posts, node)
        if found is None:
            raise DavError(
                405,
                "POST is only for free-busy requests to your scheduling outbox.",
                headers=[("Allow", ", ".join(allowed_methods(node)))],
            )
        return found.handler(node, environ, start_response)

    def do_ACL(self, environ, start_response):
        raise DavError(
            403, "Access control lists cannot be changed by clients.", qname(DAV, "no-ace-conflict")
        )

    def do_REPORT(self, environ, start_response):
        node = self._davProvider.get_resource_inst(environ["PATH_INFO"], environ)
        if node is None:
            raise DavError(404, "Not found.")
        root = environ.get("davserver.xml")
        if root is None:
            raise DavError(400, "A REPORT needs an XML body naming the report.")
        report = self._davProvider.reports.find(report_registry.root_name(root), node)
        if report is None:
            raise DavError(
                403, f"The report {root.tag} is not supported here.", qname(DAV, "supported-report")
            )
        return report.handler(self, node, root, environ, start_response)

    def do_PROPFIND(self, environ, start_response):
        return handle_propfind(self._davProvider, environ, start_response)

    def do_PROPPATCH(self, environ, start_response):
        with write_transaction():
            return handle_proppatch(self._davProvider, environ, start_response)

    def do_DELETE(self, environ, start_response):
        self._refuse_fixed_node(environ, "deleted")
        return _all_or_nothing(super().do_DELETE, environ, start_response)

    def do_MOVE(self, environ, start_response):
        self._refuse_fixed_node(environ, "moved")
        self._refuse_protected_destination(environ, "MOVE")
        return _all_or_nothing(super().do_MOVE, environ, start_response)

    def do_COPY(self, environ, start_response):
        self._refuse_fixed_node(environ, "copied")
        self._refuse_protected_destination(environ, "COPY")
        return _all_or_nothing(super().do_COPY, environ, start_response)

    def _send_response(self, environ, start_response, root_res, success_code, error_list):
        """DELETE/COPY/MOVE answers: ours, not WsgiDAV's HTML page that names its version."""
        if not error_list:
            reason = {201: "Created", 204: "No Content"}.get(success_code, "OK")
            body = b"" if success_code == 204 else f"{success_code} {reason}\n".encode()
            return send_bytes(
                start_response, f"{success_code} {reason}", body, "text/plain; charset=utf-8"
            )
        if len(error_list) == 1 and error_list[0][0] == root_res.get_href():
            raise error_list[0][1]  # rendered with its message by the ErrorResponder
        return super()._send_response(environ, start_response, root_res, success_code, error_list)

    def _refuse_fixed_node(self, environ, verb: str) -> None:
        """Root, principals and homes are part of the URL space, not user data."""
        node = self._davProvider.get_resource_inst(environ["PATH_INFO"], environ)
        if node is not None and not isinstance(node, (CollectionNode, ObjectNode)):
            raise DavError(403, f"This resource cannot be {verb}.")

    def _refuse_protected_destination(self, environ, method: str) -> None:
        """COPY and MOVE with Overwrite: T replace the destination (RFC 4918 §9.8.4, §9.9.3):
        never something the login may not delete, such as a room's calendar or a home."""
        if environ.get("HTTP_OVERWRITE", "T") == "F" or not environ.get("HTTP_DESTINATION"):
            return
        path = unquote(urlsplit(environ["HTTP_DESTINATION"]).path)
        if not path.startswith(urls.MOUNT + "/"):
            return  # WsgiDAV refuses destinations outside the DAV tree
        node = self._davProvider.get_resource_inst(path[len(urls.MOUNT) :], environ)
        if node is None or isinstance(node, ObjectNode) and not node.in_company_book:
            return
        if isinstance(node, CollectionNode) and not node.is_shared:
            return
        if isinstance(node, ResourceCalendarNode):
            raise DavError(
                403,
                f"A resource's calendar is managed by the administrator: {method} cannot replace it. "
                f"{method} single appointments into it instead.",
                qname(DAV, "need-privileges"),
            )
        if isinstance(node, (CollectionNode, ObjectNode)):
            raise read_only()
        raise DavError(
            403,
            f"{method} cannot replace this resource: it is part of the server's URL space.",
            qname(DAV, "need-privileges"),
        )


# Conditional headers WsgiDAV's own GET evaluates; without them we answer directly.
_OTHER_CONDITIONS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF",
    "HTTP_RANGE",
)


def _send_object(node: ObjectNode, start_response, *, head: bool) -> list[bytes]:
    """GET/HEAD of one object from the row already loaded: no second lookup."""
    body = bytes(node.row.body) if getattr(node.row, "body", None) is not None else node.body()
    headers = [
        ("Content-Type", node.row.content_type),
        ("Content-Length", str(len(body))),
        ("ETag", f'"{node.row.etag}"'),
        ("Last-Modified", formatdate(node.row.modified, usegmt=True)),
    ]
    if b"ORGANIZER" in body and node.collection.kind == CALENDAR:  # RFC 6638 §3.2.10
        tag = tag_of(node.row.id)
        if tag:
            headers.append(("Schedule-Tag", f'"{tag}"'))
    start_response("200 OK", headers)
    return [b""] if head else [body]


def _matches_none_match(environ: dict, etag: str) -> bool:
    header = environ.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}
    return "*" in tags or etag in tags


class _RolledBack(Exception):
    pass


def _all_or_nothing(handler, environ, start_response) -> list[bytes]:
    """Run a WsgiDAV write handler in one transaction, undone unless it fully succeeded.

    WsgiDAV reports partial failures of DELETE/MOVE/COPY as 207 or an error status
    after having changed some rows (e.g. the overwritten destination of a MOVE).
    """
    captured: list = []

    def capture(status, headers, exc_info=None):
        captured[:] = [status, headers, exc_info]

    chunks: list[bytes] = []
    try:
        with write_transaction():
            chunks = list(handler(environ, capture))
            if not captured or not captured[0].startswith(("200", "201", "204")):
                raise _RolledBack()
    except _RolledBack:
        pass
    except DAVError as exc:
        if exc.value == 502:  # WsgiDAV's answer to a Destination on another host
            raise DavError(403, "The destination must be on this server.") from None
        raise
    start_response(*captured)
    return chunks


class DavResolver(RequestResolver):
    """The last entry of the middleware stack: hands every request to our server."""

    def __call__(self, environ, start_response):
        provider = environ["wsgidav.provider"]
        if provider is None:
            raise DavError(404, "Not found.")
        if environ["REQUEST_METHOD"] == "OPTIONS" and environ["PATH_INFO"] == "*":
            start_response("200 OK", [("DAV", DAV_CLASSES), ("Content-Length", "0")])
            return [b""]
        return DavRequestServer(provider)(environ, start_response)
