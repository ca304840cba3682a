"""principal-property-search and principal-search-property-set REPORTs (RFC 3744 §9.4,
§9.5) over the principals a login may see: its own and those of the resources it sees.

Searchable: DAV:displayname (and Apple's CS:first-name / CS:last-name) by name,
C:calendar-user-address-set (and CS:email-address-set) by address, C:calendar-user-type.
Apple's `type` attribute on the search (CalendarServer's extension: "ROOM" for
Locations) narrows like a calendar-user-type condition. Answers hold at most
`principal_search.MAX_RESULTS` principals (or the client's DAV:limit); more matches add
a 507 response with DAV:number-of-matches-within-limits for the request URI (RFC 5323
§5.17 style, as calendar servers answer a truncated search).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from davserver.dav import urls
from davserver.dav.errors import DavError
from davserver.dav.multistatus import add_response, send_multistatus, status_line
from davserver.dav.nodes.principal import PrincipalNode, PrincipalsNode
from davserver.dav.nodes.resource_principal import (
    ResourcePrincipalNode,
    ResourcePrincipalsNode,
    resource_principal_path,
)
from davserver.dav.propfind import PropfindRequest, check_property_count, node_results
from davserver.dav.responses import send_bytes
from davserver.dav.xml import CALDAV, CALENDARSERVER, DAV, PREFIXES, qname, sub, to_bytes
from resources.scheduling import principal_search as search
from resources.scheduling.calendar_users import login_addresses

# What each searchable property reads of a principal, and how §9.5 describes it.
SEARCHABLE = {
    qname(DAV, "displayname"): (search.NAME, "Name"),
    qname(CALDAV, "calendar-user-address-set"): (search.ADDRESS, "E-mail or calendar address"),
    qname(CALDAV, "calendar-user-type"): (search.CUTYPE, "Calendar user type (ROOM, INDIVIDUAL)"),
}
# Apple's names for the same parts; searchable, not advertised.
ALSO_SEARCHED = {
    qname(CALENDARSERVER, "first-name"): search.NAME,
    qname(CALENDARSERVER, "last-name"): search.NAME,
    qname(CALENDARSERVER, "email-address-set"): search.ADDRESS,
}
LIMITS = (qname(DAV, "limit"), qname(CALENDARSERVER, "limit"))
MAX_SEARCHES = 20
_STRUCTURE = {
    qname(DAV, "prop"),
    qname(DAV, "property-search"),
    qname(DAV, "apply-to-principal-collection-set"),
    qname(CALENDARSERVER, "search-token"),  # calendarserver-principal-search's
    *LIMITS,
}


@dataclass(frozen=True)
class PrincipalPropertySearch:
    query: search.PrincipalQuery
    properties: tuple[str, ...]
    whole_collection_set: bool


def parse_principal_property_search(root: etree._Element) -> PrincipalPropertySearch:
    """The search a DAV:principal-property-search body asks for (RFC 3744 §9.4)."""
    test = root.get("test", "allof")
    if test not in ("allof", "anyof"):
        raise DavError(400, f"The test attribute must be allof or anyof, not {test!r}.")
    conditions = [_condition(child) for child in root if child.tag == qname(DAV, "property-search")]
    cutype = root.get("type")
    if cutype:  # CalendarServer's narrowing to one calendar user type
        conditions.append(search.Condition((search.CUTYPE,), cutype, "equals"))
    if not conditions or len(conditions) > MAX_SEARCHES:
        raise DavError(400, f"A principal search needs 1 to {MAX_SEARCHES} DAV:property-search.")
    names = requested_properties(root)
    check_property_count(len(names), "REPORT")
    query = search.PrincipalQuery(tuple(conditions), test == "anyof", limit_of(root))
    flag = root.find(qname(DAV, "apply-to-principal-collection-set")) is not None
    return PrincipalPropertySearch(query, tuple(dict.fromkeys(names)), flag)


def requested_properties(root: etree._Element) -> tuple[str, ...]:
    """The DAV:prop's names; the caldav library (3.x) writes them after an empty DAV:prop
    instead of inside it, so property names straight below the root count too."""
    prop = root.find(qname(DAV, "prop"))
    names = [p.tag for p in prop if isinstance(p.tag, str)] if prop is not None else []
    names += [c.tag for c in root if isinstance(c.tag, str) and c.tag not in _STRUCTURE]
    return tuple(dict.fromkeys(names))


def _condition(element: etree._Element) -> search.Condition:
    prop, match = element.find(qname(DAV, "prop")), element.find(qname(DAV, "match"))
    if prop is None or match is None or not len(prop):
        raise DavError(400, "Each DAV:property-search needs a DAV:prop and a DAV:match.")
    match_type = match.get("match-type", "contains")
    if match_type not in search.MATCH_TYPES:
        raise DavError(
            400, f"The match-type {match_type!r} is not one of contains, starts-with, equals."
        )
    fields = tuple(
        dict.fromkeys(
            SEARCHABLE[p.tag][0]
            if p.tag in SEARCHABLE
            else ALSO_SEARCHED.get(p.tag, search.UNSEARCHABLE)
            for p in prop
            if isinstance(p.tag, str)
        )
    )
    return search.Condition(fields, (match.text or "").strip(), match_type)


def limit_of(root: etree._Element) -> int:
    for name in LIMITS:
        limit = root.find(name)
        if limit is None:
            continue
        nresults = limit.find(qname(etree.QName(name).namespace or DAV, "nresults"))
        try:
            asked = int((nresults.text if nresults is not None else "") or "")
        except ValueError:
            raise DavError(400, "DAV:nresults must be a whole number.") from None
        return max(0, min(asked, search.MAX_RESULTS))
    return search.MAX_RESULTS


def principal_property_search(server, node, root, environ, start_response):
    require_depth_zero(environ)
    return answer_search(node, parse_principal_property_search(root), environ, start_response)


def answer_search(node, request: PrincipalPropertySearch, environ: dict, start_response):
    """The multistatus of the principals that match, with the asked properties."""
    login = node.login
    resources_only = isinstance(node, ResourcePrincipalsNode) and not request.whole_collection_set
    if not (
        request.whole_collection_set or isinstance(node, (PrincipalsNode, ResourcePrincipalsNode))
    ):
        return send_multistatus(
            start_response, etree.Element(qname(DAV, "multistatus"), nsmap=dict(PREFIXES))
        )
    own = search.OwnPrincipal(
        tuple(n for n in (login.display_name, login.username) if n),
        tuple(
            login_addresses(
                login.username, login.employee_id, urls.href(urls.principal_path(login.username))
            )
        ),
    )
    found = search.search_principals(
        request.query,
        login.employee_id,
        None if resources_only else own,
        node.settings.scheduling_mail_domain,
    )
    wanted = PropfindRequest("prop", request.properties)
    root_out = etree.Element(qname(DAV, "multistatus"), nsmap=dict(PREFIXES))
    hits = [PrincipalNode(urls.principal_path(login.username), environ)] if found.own else []
    hits += [
        ResourcePrincipalNode(resource_principal_path(r.slug), environ, r) for r in found.resources
    ]
    for hit in hits:
        add_response(root_out, hit.get_href(), node_results(hit, wanted))
    if found.truncated:
        _add_truncated(root_out, node.get_href())
    return send_multistatus(start_response, root_out)


def _add_truncated(root: etree._Element, href: str) -> None:
    response = sub(root, qname(DAV, "response"))
    sub(response, qname(DAV, "href"), href)
    sub(response, qname(DAV, "status"), status_line(507))
    sub(sub(response, qname(DAV, "error")), qname(DAV, "number-of-matches-within-limits"))
    sub(response, qname(DAV, "responsedescription"), "More principals match; narrow the search.")


def principal_search_property_set(server, node, root, environ, start_response):
    """The properties a principal search takes (RFC 3744 §9.5)."""
    require_depth_zero(environ)
    out = etree.Element(qname(DAV, "principal-search-property-set"), nsmap=dict(PREFIXES))
    for name, (_field, description) in SEARCHABLE.items():
        entry = sub(out, qname(DAV, "principal-search-property"))
        sub(sub(entry, qname(DAV, "prop")), name)
        described = sub(entry, qname(DAV, "description"), description)
        described.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    return send_bytes(start_response, "200 OK", to_bytes(out), "application/xml; charset=utf-8")


def require_depth_zero(environ: dict) -> None:
    if environ.get("HTTP_DEPTH", "0").strip() != "0":
        raise DavError(400, "A principal search is sent with Depth: 0.")


def is_principal_collection(node) -> bool:
    return isinstance(node, (PrincipalsNode, ResourcePrincipalsNode))


def takes_principal_search(node) -> bool:
    """Principal collections, and every principal (with apply-to-principal-collection-set)."""
    return is_principal_collection(node) or isinstance(node, (PrincipalNode, ResourcePrincipalNode))
