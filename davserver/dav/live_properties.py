"""Live and dead properties on DAV nodes (RFC 4918 §15, RFC 4791 §5.2, RFC 6578 §4).

A live property is declared once, as a method decorated with `@live(name)`; the
names a node offers for PROPFIND propname/allprop are derived from those
declarations. Writable live properties add a `@writable(name)` setter. Every other
property a client sets is stored as a dead property.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree
from wsgidav.dav_error import DAVError

from davserver.dav.errors import DavError, forbidden
from davserver.dav.xml import DAV, XmlRejected, parse_xml, qname

# WsgiDAV computes these itself; clients may not change them.
_WSGIDAV_PROTECTED = {
    qname(DAV, n)
    for n in (
        "getetag",
        "getcontenttype",
        "getcontentlength",
        "getlastmodified",
        "creationdate",
        "resourcetype",
        "lockdiscovery",
        "supportedlock",
    )
}
MAX_DEAD_PROPERTY_BYTES = 64 * 1024


def live(name: str, *, allprop: bool = False) -> Callable:
    """Declare a method as the getter of live property `name` (returns None when absent)."""

    def mark(method: Callable) -> Callable:
        method._live_property = name  # type: ignore[attr-defined]
        method._in_allprop = allprop  # type: ignore[attr-defined]
        return method

    return mark


def writable(name: str) -> Callable:
    """Declare a method as the setter of live property `name`: (element | None, dry_run)."""

    def mark(method: Callable) -> Callable:
        method._writable_property = name  # type: ignore[attr-defined]
        return method

    return mark


class LivePropertyNode:
    """Mixin placed before WsgiDAV's DAVCollection / DAVNonCollection."""

    live_properties: dict[str, Callable] = {}
    writable_properties: dict[str, Callable] = {}
    # Names the server computes on nodes of a kind like this one, though maybe not on this
    # node: never stored for, nor read from, its dead properties.
    computed_elsewhere: frozenset[str] | set[str] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        live_props: dict[str, Callable] = {}
        setters: dict[str, Callable] = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                if hasattr(attr, "_live_property"):
                    live_props[attr._live_property] = attr
                if hasattr(attr, "_writable_property"):
                    setters[attr._writable_property] = attr
        cls.live_properties = live_props
        cls.writable_properties = setters

    # Dead properties: nodes that store them override these two.
    def dead_properties(self) -> dict[str, str]:
        return {}

    def store_dead_property(self, name: str, value: str | None) -> None:
        raise forbidden("Properties cannot be stored on this resource.")

    def get_property_names(self, *, is_allprop: bool) -> list[str]:
        names = list(super().get_property_names(is_allprop=is_allprop))  # type: ignore[misc]
        for name, getter in self.live_properties.items():
            if name in names or (is_allprop and not getter._in_allprop):  # type: ignore[attr-defined]
                continue
            if getter(self) is not None:
                names.append(name)
        names.extend(n for n in self.dead_properties() if n not in names)
        return names

    def get_property_value(self, name: str) -> Any:
        getter = self.live_properties.get(name)
        if getter is not None:
            value = getter(self)
            if value is None:
                raise DAVError(404)
            return value
        dead = self.dead_properties().get(name)
        if dead is not None and name not in self.computed_elsewhere:
            return parse_stored(dead)
        return super().get_property_value(name)  # type: ignore[misc]

    def set_property_value(self, name: str, value: Any, *, dry_run: bool = False) -> None:
        setter = self.writable_properties.get(name)
        if setter is not None:
            setter(self, value, dry_run)
            return
        if (
            name in self.live_properties
            or name in self.computed_elsewhere
            or name in _WSGIDAV_PROTECTED
        ):
            raise forbidden(
                f"The property {name} is computed by the server and cannot be changed.",
                qname(DAV, "cannot-modify-protected-property"),
            )
        serialized = None if value is None else to_bytes_property(value)
        if serialized is not None and len(serialized) > MAX_DEAD_PROPERTY_BYTES:
            raise DavError(507, "The property value is too large to store.")
        if not dry_run:
            self.store_dead_property(
                name, None if serialized is None else serialized.decode("utf-8")
            )


def to_bytes_property(value: etree._Element) -> bytes:
    return etree.tostring(value, encoding="utf-8")


def element_text(value: etree._Element | None) -> str | None:
    """The text content of a property element set by PROPPATCH (None for remove)."""
    if value is None:
        return None
    return "".join(value.itertext()).strip()  # type: ignore[arg-type]


def parse_stored(value: str) -> etree._Element:
    try:
        return parse_xml(value.encode("utf-8"))
    except XmlRejected:
        raise DavError(500, "A stored property is damaged.") from None
