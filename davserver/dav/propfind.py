"""PROPFIND (RFC 4918 §9.1): prop, allprop with include, propname; Depth 0 and 1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from wsgidav.dav_error import DAVError

from davserver.dav.errors import DavError
from davserver.dav.multistatus import PropertyResult, add_response, result_from_value
from davserver.dav.multistatus_stream import send_multistatus_stream
from davserver.dav.xml import DAV, qname

# Clients name a few dozen; each name costs a lookup per listed resource.
MAX_NAMED_PROPERTIES = 200


def check_property_count(count: int, method: str) -> None:
    """RFC 9110 §15.5.14: content larger than the server is willing to process."""
    if count > MAX_NAMED_PROPERTIES:
        raise DavError(
            413,
            f"{method} names {count} properties; at most {MAX_NAMED_PROPERTIES} are allowed "
            "in one request.",
        )


@dataclass(frozen=True)
class PropfindRequest:
    mode: str  # "prop", "allprop" or "propname"
    names: tuple[str, ...]  # requested names, or allprop's include list


def parse_propfind(root: etree._Element | None) -> PropfindRequest:
    if root is None:
        return PropfindRequest("allprop", ())
    if root.tag != qname(DAV, "propfind"):
        raise DavError(400, "The PROPFIND body must be a DAV:propfind element.")
    modes = [
        child
        for child in root
        if child.tag in (qname(DAV, "prop"), qname(DAV, "allprop"), qname(DAV, "propname"))
    ]
    if len(modes) != 1:
        raise DavError(400, "DAV:propfind needs exactly one of prop, allprop or propname.")
    mode = etree.QName(modes[0]).localname
    if mode == "prop":
        names = tuple(dict.fromkeys(p.tag for p in modes[0] if isinstance(p.tag, str)))
    else:
        include = root.find(qname(DAV, "include"))
        names = (
            tuple(dict.fromkeys(p.tag for p in include if isinstance(p.tag, str)))
            if include is not None
            else ()
        )
    check_property_count(len(names), "PROPFIND")
    return PropfindRequest(mode, names)


def depth_of(environ: dict) -> str:
    depth = environ.get("HTTP_DEPTH", "infinity").strip().lower()
    if depth == "infinity":
        raise DavError(
            403,
            "PROPFIND with Depth: infinity is not allowed; use Depth 0 or 1.",
            qname(DAV, "propfind-finite-depth"),
        )
    if depth not in ("0", "1"):
        raise DavError(400, f"Invalid Depth header {depth!r}.")
    return depth


def node_results(node, request: PropfindRequest) -> list[PropertyResult]:
    if request.mode == "propname":
        return [PropertyResult(name) for name in node.get_property_names(is_allprop=False)]
    included = frozenset(request.names)
    if request.mode == "allprop":
        names = list(dict.fromkeys([*node.get_property_names(is_allprop=True), *request.names]))
    else:
        names = list(request.names)
    results = []
    for name in names:
        try:
            value = node.get_property_value(name)
        except DAVError as exc:
            value = exc
        if request.mode == "allprop" and isinstance(value, DAVError) and name not in included:
            continue
        results.append(result_from_value(name, value))
    return results


def handle_propfind(provider, environ: dict, start_response) -> list[bytes]:
    node = provider.get_resource_inst(environ["PATH_INFO"], environ)
    depth = depth_of(environ)
    if node is None:
        raise DavError(404, "Not found.")
    request = parse_propfind(environ.get("davserver.xml"))
    pages = _member_pages(node) if depth == "1" and node.is_collection else iter(())

    def fill(root) -> Iterator[None]:
        add_response(root, node.get_href(), node_results(node, request))
        yield
        for page in pages:
            for member in page:
                add_response(root, member.get_href(), node_results(member, request))
            yield

    return send_multistatus_stream(environ, start_response, fill)  # type: ignore[return-value]


def _member_pages(node) -> Iterator[list]:
    pages = getattr(node, "member_pages", None)
    return pages() if pages is not None else iter([node.get_member_list()])
