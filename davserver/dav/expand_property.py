"""expand-property REPORT (RFC 3253 §3.8) on principals and homes, as iOS and
InfCloud send it: href-valued properties are replaced by the properties of the
resources they point to.

Expansion multiplies: a property holding a hundred hrefs, expanded three levels
deep, names a million resources. Depth, the number of expanded resources and the
bytes of copied values are bounded; a REPORT that would pass a bound is refused
with 403 DAV:number-of-matches-within-limits (as RFC 5323 §5.17 and RFC 6578 §3.2
answer a result set the server will not produce) and a message.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from lxml import etree
from wsgidav.dav_error import DAVError

from davserver.dav.errors import DavError
from davserver.dav.multistatus import new_multistatus, send_multistatus
from davserver.dav.propfind import check_property_count
from davserver.dav.urls import MOUNT
from davserver.dav.xml import DAV, qname, sub

MAX_DEPTH = 3
MAX_RESOURCES = 500  # DAV:response elements in one answer
MAX_ANSWER_BYTES = 4 * 1024 * 1024  # property values copied into one answer


class _Budget:
    """What one expand-property answer may still hold."""

    def __init__(self) -> None:
        self.resources = MAX_RESOURCES
        self.bytes = MAX_ANSWER_BYTES

    def take_resource(self) -> None:
        self.resources -= 1
        if self.resources < 0:
            raise _refusal(f"more than {MAX_RESOURCES} resources")

    def take_value(self, value) -> None:
        self.bytes -= (
            len(etree.tostring(value)) if isinstance(value, etree._Element) else len(str(value))
        )
        if self.bytes < 0:
            raise _refusal(f"more than {MAX_ANSWER_BYTES} bytes of property values")


def _refusal(what: str) -> DavError:
    return DavError(
        403,
        f"The expanded answer would hold {what}; ask for fewer properties or levels.",
        qname(DAV, "number-of-matches-within-limits"),
    )


def _requested(element: etree._Element) -> list[tuple[str, etree._Element]]:
    found = []
    for prop in element.iterfind(qname(DAV, "property")):
        namespace = prop.get("namespace", DAV) or DAV
        name = prop.get("name")
        if name:
            found.append((qname(namespace, name), prop))
    check_property_count(len(found), "expand-property")
    return found


def _expanded_response(
    provider, environ, node, spec: etree._Element, depth: int, budget: _Budget
) -> etree._Element:
    budget.take_resource()
    response = etree.Element(qname(DAV, "response"))
    sub(response, qname(DAV, "href"), node.get_href())
    ok = sub(response, qname(DAV, "propstat"))
    ok_prop = sub(ok, qname(DAV, "prop"))
    missing = []
    for name, prop_spec in _requested(spec):
        try:
            value = node.get_property_value(name)
        except DAVError:
            missing.append(name)
            continue
        holder = sub(ok_prop, name)
        nested = list(prop_spec.iterfind(qname(DAV, "property")))
        if isinstance(value, etree._Element):
            hrefs = [h.text for h in value.iter(qname(DAV, "href")) if h.text]
            if nested and hrefs and depth < MAX_DEPTH:
                for href in hrefs:
                    target = provider.get_resource_inst(_provider_path(href), environ)
                    if target is not None:
                        holder.append(
                            _expanded_response(
                                provider, environ, target, prop_spec, depth + 1, budget
                            )
                        )
                    else:
                        budget.take_resource()
                        missing_response = sub(holder, qname(DAV, "response"))
                        sub(missing_response, qname(DAV, "href"), href)
                        sub(missing_response, qname(DAV, "status"), "HTTP/1.1 404 Not Found")
            else:
                budget.take_value(value)
                for child in value:
                    holder.append(child)
                holder.text = value.text
        else:
            budget.take_value(value)
            holder.text = str(value)
    sub(ok, qname(DAV, "status"), "HTTP/1.1 200 OK")
    if missing:
        failed = sub(response, qname(DAV, "propstat"))
        failed_prop = sub(failed, qname(DAV, "prop"))
        for name in missing:
            sub(failed_prop, name)
        sub(failed, qname(DAV, "status"), "HTTP/1.1 404 Not Found")
    return response


def _provider_path(href: str) -> str:
    path = unquote(urlsplit(href).path)
    return path[len(MOUNT) :] if path.startswith(MOUNT + "/") else path


def expand_property(server, node, root, environ, start_response):
    result = new_multistatus()
    result.append(_expanded_response(server._davProvider, environ, node, root, 0, _Budget()))
    return send_multistatus(start_response, result)
