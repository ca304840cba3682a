"""sync-collection REPORT (RFC 6578): initial sync, deltas from the change log,
deletions as 404, DAV:limit with 507 and a token to continue. One entry per kind of
collection, each with the renderers of its members' data (calendar-data, address-data)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from davserver.dav import sync_tokens
from davserver.dav.errors import DavError, translate_domain_errors
from davserver.dav.multistatus import add_status_response
from davserver.dav.multistatus_stream import send_multistatus_stream
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.object_responses import Renderers, add_object_response
from davserver.dav.report_registry import Report
from davserver.dav.xml import DAV, qname, sub
from resources.objects import change_log, company_book_moves
from resources.objects.calendar_search import PAGE_SIZE, by_names, member_pages_by_revision
from resources.store.models import Collection

# What the body asks of each member of a collection of one kind: (mode, property names,
# the renderers of the kind's data element, such as calendar-data or address-data).
MemberRequest = Callable[[etree._Element, Collection], tuple[str, tuple[str, ...], Renderers]]

MAX_LIMIT = 100000


@dataclass(frozen=True)
class SyncRequest:
    token: str
    limit: int | None


def parse_sync_request(root: etree._Element) -> SyncRequest:
    if root.tag != qname(DAV, "sync-collection"):
        raise DavError(400, "The body must be a DAV:sync-collection element.")
    token_element = root.find(qname(DAV, "sync-token"))
    if token_element is None:
        raise DavError(
            400, "DAV:sync-collection needs a DAV:sync-token element (empty for an initial sync)."
        )
    level = (root.findtext(qname(DAV, "sync-level")) or "1").strip()
    if level not in ("1", "infinite"):
        raise DavError(400, "DAV:sync-level must be 1 or infinite.")
    limit = None
    nresults = root.findtext(f"{{{DAV}}}limit/{{{DAV}}}nresults")
    if nresults is not None:
        try:
            limit = int(nresults.strip())
        except ValueError:
            raise DavError(400, "DAV:nresults must be a whole number.") from None
        if limit < 1 or limit > MAX_LIMIT:
            raise DavError(
                403,
                f"DAV:nresults must be between 1 and {MAX_LIMIT}.",
                qname(DAV, "number-of-matches-within-limits"),
            )
    return SyncRequest((token_element.text or "").strip(), limit)


INVALID_TOKEN = "The sync token is unknown, foreign or too old; sync again from scratch."


def _start_revision(collection: Collection, token: str) -> int | None:
    """None for an initial sync; the token's revision, or 403 valid-sync-token."""
    if not token:
        return None
    revision = sync_tokens.parse_token(token, collection.sync_epoch)
    if (
        revision is None
        or revision > collection.sync_revision
        or revision < collection.history_floor
    ):
        raise DavError(403, INVALID_TOKEN, qname(DAV, "valid-sync-token"))
    return revision


def _moved_changes(
    collection: Collection, token: str, limit: int | None
) -> list[change_log.MemberChange] | None:
    """The delta for a token of another audience's company book (the login moved
    between audiences), or None when the token is not one."""
    former = company_book_moves.former_book(sync_tokens.token_epoch(token) or "", collection)
    revision = sync_tokens.token_revision(token)
    if former is None or revision is None or revision > former.sync_revision:
        return None
    try:
        changes = company_book_moves.changes_across(former, revision, collection)
    except change_log.HistoryPruned:
        return None
    if limit is not None and len(changes) > limit:
        return None  # a continuation token would name the old book: start afresh instead
    return changes


def sync_collection_report(
    applies_to: Callable[[object], bool], member_request: MemberRequest
) -> Report:
    """The sync-collection REPORT for the collections `applies_to` accepts, whose members'
    properties `member_request` reads from the body."""

    @translate_domain_errors
    def sync_collection(server, node: CollectionNode, root, environ, start_response):
        return _sync_collection(node, root, environ, start_response, member_request)

    return Report(qname(DAV, "sync-collection"), applies_to, sync_collection)


def _sync_collection(
    node: CollectionNode, root, environ, start_response, member_request: MemberRequest
) -> Iterable[bytes]:
    if environ.get("HTTP_DEPTH", "0").strip().lower() not in ("0", "1", ""):
        # RFC 6578 §3.2 asks for Depth: 0; python-caldav and others send 1, which
        # Radicale, Xandikos and DAViCal accept too: the sync-level says what to list.
        raise DavError(400, "sync-collection must be sent with Depth: 0.")
    request = parse_sync_request(root)
    collection = node.row
    mode, names, renderers = member_request(root, collection)
    moved = _moved_changes(collection, request.token, request.limit) if request.token else None
    start = None if moved is not None else _start_revision(collection, request.token)
    changes = moved if moved is not None else None if start is None else _changes(collection, start)

    def respond(result, row) -> None:
        add_object_response(
            result, ObjectNode.for_row(row, collection, environ, None), mode, names, renderers
        )

    def fill(result) -> Iterator[None]:
        if changes is None:
            new_revision, truncated = yield from _initial(
                collection, request.limit, result, respond
            )
        else:
            new_revision, truncated = yield from _delta(
                node, collection, changes, request.limit, result, respond
            )
        if truncated:
            add_status_response(result, node.get_href(), 507)
        sub(
            result,
            qname(DAV, "sync-token"),
            sync_tokens.make_token(collection.sync_epoch, new_revision),
        )
        yield

    return send_multistatus_stream(environ, start_response, fill)


def _changes(collection: Collection, start: int) -> list[change_log.MemberChange]:
    try:
        return change_log.changes_since(collection, start)
    except change_log.HistoryPruned:
        raise DavError(
            403,
            "The change history behind this token was pruned; sync again from scratch.",
            qname(DAV, "valid-sync-token"),
        ) from None


def _initial(collection: Collection, limit: int | None, result, respond):
    """Every member, oldest change first, page by page; stops after `limit` members."""
    sent, last_revision = 0, None
    for page in member_pages_by_revision(collection.id):
        for row in page:
            if limit is not None and sent == limit:
                return last_revision, True
            respond(result, row)
            sent, last_revision = sent + 1, row.revision
        yield
    return collection.sync_revision, False


def _delta(
    node: CollectionNode, collection: Collection, changes, limit: int | None, result, respond
):
    """The changed members since the token, deletions as 404, page by page."""
    truncated = limit is not None and len(changes) > limit
    changes = changes[:limit] if truncated else changes
    for first in range(0, len(changes), PAGE_SIZE):
        page = changes[first : first + PAGE_SIZE]
        rows = by_names(collection.id, [c.name for c in page if not c.deleted])
        for change in page:
            row = rows.get(change.name)
            if row is None:
                add_status_response(result, node.member_href(change.name), 404)
            else:
                respond(result, row)
        yield
    return (changes[-1].revision if truncated else collection.sync_revision), truncated
