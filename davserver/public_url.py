"""The public base URL clients reach the server at: the configured `public_url`, else
the request's scheme and host (from X-Forwarded-Proto/Host only with `trust_proxy`)."""

from __future__ import annotations

from davserver.config import Settings

MOUNTS = ("/dav", "/api", "/admin")


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def public_base(environ: dict, settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    if settings.trust_proxy:
        scheme = _first(environ.get("HTTP_X_FORWARDED_PROTO")) or scheme
        host = _first(environ.get("HTTP_X_FORWARDED_HOST")) or host
    root = environ.get("SCRIPT_NAME", "")
    for mount in MOUNTS:
        if root.endswith(mount):
            root = root[: -len(mount)]
    return f"{scheme}://{host}{root}"
