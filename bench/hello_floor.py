"""The floor: a hello-world WSGI app on cheroot, the HTTP server davserver runs on.

`python bench/hello_floor.py --port P --threads T` serves it on 127.0.0.1 until killed;
a GET of it is the cheapest request any server on this stack can answer.
"""

from __future__ import annotations

import argparse

from cheroot import wsgi

BODY = b"hello world\n"


def hello_world(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    server = wsgi.Server(
        ("127.0.0.1", args.port),
        hello_world,
        numthreads=args.threads,
        server_name="hello-floor",
        timeout=30,
    )
    server.prepare()
    print(f"hello-floor listening on http://127.0.0.1:{args.port}/", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
