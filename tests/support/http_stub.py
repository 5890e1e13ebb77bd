"""A tiny real HTTP server on 127.0.0.1 for testing HTTP clients: it records requests and answers as told."""
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"


Responder = Callable[[RecordedRequest], Answer]


class StubHttpServer:
    """`with StubHttpServer(Answer(503, b'busy')) as server: ... server.url ... server.requests`."""

    def __init__(self, answer: Answer | Responder = Answer(202, b"{}")):
        self.requests: list[RecordedRequest] = []
        self._respond: Responder = answer if callable(answer) else (lambda _request: answer)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = RecordedRequest(self.command, self.path, dict(self.headers.items()),
                                          self.rfile.read(length))
                stub.requests.append(request)
                answer = stub._respond(request)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args):  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: shutdown() waits for the serving loop to notice, once per interval.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "StubHttpServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/double"


class SilentListener:
    """Accepts connections (the kernel's backlog does) but never answers: a client's read times out."""

    def __enter__(self) -> str:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(4)
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}/double"

    def __exit__(self, *exc) -> None:
        self._socket.close()
