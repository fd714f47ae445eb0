"""A small HTTP server on 127.0.0.1 for the tests of the HTTP helpers: nothing leaves the
machine. Routes map a path to a function of the request that returns ``(status, body)`` or
``(status, body, headers)``; every request is logged."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, [default])[0]


Route = Callable[[Request], tuple[Any, ...]]


@dataclass
class Server:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)

    def route(self, path: str, status: int = 200, body: Any = None,
              headers: dict[str, str] | None = None) -> None:
        """Answer ``path`` always the same way (a JSON body unless bytes or str)."""
        self.routes[path] = lambda _: (status, body, headers or {})

    def hits(self, path: str) -> int:
        return sum(1 for r in self.log if r.path == path)


@contextmanager
def serve() -> Iterator[Server]:
    server_ref: dict[str, Server] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            request = Request(parts.path, parse_qs(parts.query, keep_blank_values=True),
                              {k.lower(): v for k, v in self.headers.items()})
            state = server_ref["s"]
            state.log.append(request)
            route = state.routes.get(parts.path)
            answer = route(request) if route else (404, {"error": "no such route"})
            status, body = answer[0], answer[1]
            headers = dict(answer[2]) if len(answer) > 2 else {}
            if isinstance(body, bytes):
                data = body
            elif isinstance(body, str):
                data = body.encode()
                headers.setdefault("Content-Type", "text/plain")
            else:
                data = json.dumps(body).encode()
                headers.setdefault("Content-Type", "application/json")
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_ref["s"] = Server(f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_ref["s"]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
