"""Other forms of a stored object that a GET may ask for with its Accept header, by the
object's component (a vCard in another version, RFC 6352 §6.3.2.3). carddav/ gives its
conversion when the DAV app is built."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from davserver.dav.nodes.object import ObjectNode

# (node, environ) -> (body, content type), or None when the request asks for no other form.
Conversion = Callable[[ObjectNode, dict], tuple[bytes, str] | None]
Conversions = Mapping[str, Conversion]
