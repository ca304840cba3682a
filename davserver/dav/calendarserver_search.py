"""CalendarServer's calendarserver-principal-search REPORT, which Apple Calendar prefers
to principal-property-search where a principal collection offers it: search tokens that
must each occur in a principal's name or address, and a context ("location" for rooms,
"attendee" or "user" for anyone). Answered by the same search as RFC 3744 §9.4
(davserver/dav/principal_search.py), so the same principals are visible."""

from __future__ import annotations

from lxml import etree

from davserver.dav.errors import DavError
from davserver.dav.principal_search import (
    PrincipalPropertySearch,
    answer_search,
    limit_of,
    requested_properties,
    require_depth_zero,
)
from davserver.dav.xml import CALENDARSERVER, qname
from resources.scheduling import principal_search as search

# Apple's contexts, as the calendar user type they narrow to ("" for no narrowing).
CONTEXTS = {"location": "ROOM", "resource": "RESOURCE", "group": "GROUP", "user": "INDIVIDUAL"}
MAX_TOKENS = 10


def parse_calendarserver_search(root: etree._Element) -> PrincipalPropertySearch:
    tokens = [(t.text or "").strip() for t in root.findall(qname(CALENDARSERVER, "search-token"))]
    tokens = [t for t in tokens if t]
    if not tokens or len(tokens) > MAX_TOKENS:
        raise DavError(400, f"A principal search needs 1 to {MAX_TOKENS} CS:search-token.")
    conditions = [
        search.Condition((search.NAME, search.ADDRESS), token, "contains") for token in tokens
    ]
    cutype = CONTEXTS.get(root.get("context", "").strip().lower(), "")
    if cutype:
        conditions.append(search.Condition((search.CUTYPE,), cutype, "equals"))
    query = search.PrincipalQuery(tuple(conditions), any_of=False, limit=limit_of(root))
    return PrincipalPropertySearch(query, requested_properties(root), whole_collection_set=True)


def calendarserver_principal_search(server, node, root, environ, start_response):
    require_depth_zero(environ)
    return answer_search(node, parse_calendarserver_search(root), environ, start_response)
