"""expand-property REPORT (RFC 3253 §3.8) on principals and homes, as iOS and
InfCloud send it: href-valued properties are replaced by the properties of the
resources they point to."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from lxml import etree
from wsgidav.dav_error import DAVError

from davserver.dav import report_registry
from davserver.dav.multistatus import new_multistatus, send_multistatus
from davserver.dav.nodes_base import DavNode
from davserver.dav.urls import MOUNT
from davserver.dav.xml import DAV, qname, sub

MAX_DEPTH = 3


def _requested(element: etree._Element) -> list[tuple[str, etree._Element]]:
    found = []
    for prop in element.iterfind(qname(DAV, "property")):
        namespace = prop.get("namespace", DAV) or DAV
        name = prop.get("name")
        if name:
            found.append((qname(namespace, name), prop))
    return found


def _expanded_response(provider, environ, node, spec: etree._Element, depth: int) -> etree._Element:
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
                        holder.append(_expanded_response(provider, environ, target, prop_spec, depth + 1))
                    else:
                        missing_response = sub(holder, qname(DAV, "response"))
                        sub(missing_response, qname(DAV, "href"), href)
                        sub(missing_response, qname(DAV, "status"), "HTTP/1.1 404 Not Found")
            else:
                for child in value:
                    holder.append(child)
                holder.text = value.text
        else:
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
    return path[len(MOUNT):] if path.startswith(MOUNT + "/") else path


@report_registry.register(qname(DAV, "expand-property"), lambda node: isinstance(node, DavNode))
def expand_property(server, node, root, environ, start_response):
    result = new_multistatus()
    result.append(_expanded_response(server._davProvider, environ, node, root, 0))
    return send_multistatus(start_response, result)
