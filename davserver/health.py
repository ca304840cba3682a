"""`/health`: the load balancer's check that this process serves and reaches its
database (one `SELECT 1`, no sign-in, nothing else read).

200 `ok` while both hold; a database that is away makes the query fail, and the
request log's guard answers 503 with Retry-After as for any request (davserver.app).
"""

from __future__ import annotations

from resources.store.database import connection, database_proxy

HEALTH_PATH = "/health"


def health_check(environ, start_response) -> list[bytes]:
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("PATH_INFO") not in (
        "",
        "/",
    ):
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    with connection():
        database_proxy.obj.execute_sql("SELECT 1").fetchone()
    body = b"ok\n"
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]
