"""A JSON webhook on loopback that records what apprise's ``json://`` posts, and can refuse."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Receiver:
    messages: list[dict] = field(default_factory=list)  # accepted bodies, in order
    refused: list[dict] = field(default_factory=list)  # bodies answered with 500
    paths: list[str] = field(default_factory=list)
    fail_next: int = 0  # answer this many requests with 500
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def take(self, body: dict, path: str) -> int:
        with self.lock:
            self.paths.append(path)
            if self.fail_next:
                self.fail_next -= 1
                self.refused.append(body)
                return 500
            self.messages.append(body)
            return 200

    def titles(self, prefix: str = "") -> list[str]:
        return [m["title"] for m in self.messages if m["title"].startswith(prefix)]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        status = self.server.receiver.take(body, self.path)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: Receiver) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.receiver = receiver


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 (``receiver.port``) until the block ends."""
    receiver = Receiver()
    server = _Server(receiver)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
