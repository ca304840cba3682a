"""Request bodies before any handler sees them: size limit (413), chunked bodies,
Content-Type of XML methods (415), and hardened XML parsing (400).

The parsed XML root is left in environ["davserver.xml"]; the body is re-offered
to WsgiDAV as a bounded stream with a Content-Length.
"""

from __future__ import annotations

import io

from wsgidav.mw.base_mw import BaseMiddleware

from davserver.dav.errors import DavError
from davserver.dav.xml import XmlRejected, parse_xml

XML_METHODS = {"PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL", "LOCK", "ACL"}
XML_TYPES = {"application/xml", "text/xml"}


def media_type(environ: dict) -> str:
    return environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()


def read_body(environ: dict, limit: int) -> bytes:
    """Read the whole body (Content-Length or chunked) but never more than `limit`."""
    length_header = environ.get("CONTENT_LENGTH", "").strip()
    stream = environ["wsgi.input"]
    if length_header:
        try:
            length = int(length_header)
        except ValueError:
            raise DavError(400, "The Content-Length header is not a number.") from None
        if length < 0:
            raise DavError(400, "The Content-Length header is negative.")
        if length > limit:
            raise DavError(413, f"The request body is larger than the limit of {limit} bytes.")
        return stream.read(length) if length else b""
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return b""
    chunks, total = [], 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise DavError(413, f"The request body is larger than the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


class RequestBodyGuard(BaseMiddleware):
    def __init__(self, wsgidav_app, next_app, config):
        super().__init__(wsgidav_app, next_app, config)
        self.limit = config["davserver.settings"].max_request_size

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if method == "PUT":
            return self.next_app(
                environ, start_response
            )  # the PUT handler reads with its own limit
        body = read_body(environ, self.limit)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["davserver.xml"] = None
        if body and method in XML_METHODS:
            if media_type(environ) not in XML_TYPES | {""}:
                raise DavError(
                    415, f"{method} needs an XML body (application/xml), not {media_type(environ)}."
                )
            try:
                environ["davserver.xml"] = parse_xml(body)
            except XmlRejected as exc:
                raise DavError(400, str(exc)) from None
        return self.next_app(environ, start_response)
