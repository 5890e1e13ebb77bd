"""The X-Ray daemon of the local cloud.

On AWS a traced function's SDK sends its subsegments over UDP to the daemon at AWS_XRAY_DAEMON_ADDRESS, which
uploads them with PutTraceSegments using the function's role; Lambda itself records the function's segment.
Here each function gets a UDP port of its own (so the daemon knows whose role uploads), every datagram
(`{"format": "json", "version": 1}` newline, then one segment document, the daemon protocol of aws-xray-daemon)
goes into moto's X-Ray backend, and what a role may not upload is dropped, as the real daemon's upload would fail.
"""
from __future__ import annotations

import json
import logging
import os
import selectors
import socket
import threading
import time
from typing import Callable

log = logging.getLogger("localcloud.xray")
_HEADER = b'{"format": "json", "version": 1}'
_MAX_DATAGRAM = 65535


def new_trace_id(now: float | None = None) -> str:
    """1-<8 hex digits of the epoch second>-<24 random hex digits>, X-Ray's trace id format."""
    return f"1-{int(now or time.time()):08x}-{os.urandom(12).hex()}"


def new_segment_id() -> str:
    return os.urandom(8).hex()


def trace_header(trace_id: str, parent_id: str, sampled: bool) -> str:
    """What Lambda puts in _X_AMZN_TRACE_ID for one invocation."""
    return f"Root={trace_id};Parent={parent_id};Sampled={1 if sampled else 0}"


def parse_trace_header(header: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in header.split(";") if "=" in part)


class XRayDaemon:
    """put(document) stores one segment; allowed(function) says whether that function's role may upload."""

    def __init__(self, put: Callable[[str], None], allowed: Callable[[str], bool] = lambda function: True,
                 host: str = "127.0.0.1"):
        self._put, self._allowed, self._host = put, allowed, host
        self._selector = selectors.DefaultSelector()
        self._sockets: dict[str, socket.socket] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._refused: set[str] = set()
        self._thread = threading.Thread(target=self._serve, name="localcloud-xray-daemon", daemon=True)
        self.received = 0

    def start(self) -> None:
        self._thread.start()

    def address_for(self, function: str) -> str:
        """The AWS_XRAY_DAEMON_ADDRESS of one function (a UDP port of its own)."""
        with self._lock:
            if function not in self._sockets:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind((self._host, 0))
                sock.setblocking(False)
                self._sockets[function] = sock
                self._selector.register(sock, selectors.EVENT_READ, function)
            return "%s:%d" % self._sockets[function].getsockname()

    def record_function_segment(self, function: str, function_arn: str, trace_id: str, segment_id: str,
                                started: float, ended: float, error: bool) -> None:
        """The AWS::Lambda::Function segment Lambda itself records for a traced invocation."""
        self._store(function, json.dumps({
            "trace_id": trace_id, "id": segment_id, "name": function, "origin": "AWS::Lambda::Function",
            "start_time": started, "end_time": ended, "resource_arn": function_arn,
            **({"fault": True} if error else {}),
        }))

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        with self._lock:
            for sock in self._sockets.values():
                self._selector.unregister(sock)
                sock.close()
            self._sockets.clear()
        self._selector.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=0.5):
                try:
                    datagram = key.fileobj.recv(_MAX_DATAGRAM)
                except OSError:
                    continue
                header, _, document = datagram.partition(b"\n")
                if header.strip() != _HEADER or not document:
                    log.debug("X-Ray: a datagram without the daemon header from %s", key.data)
                    continue
                self._store(key.data, document.decode("utf-8", "replace"))

    def _store(self, function: str, document: str) -> None:
        if not self._allowed(function):
            if function not in self._refused:
                self._refused.add(function)
                log.warning("X-Ray: %s's role may not xray:PutTraceSegments; its segments are dropped, as the "
                            "daemon's upload would be refused on AWS", function)
            return
        try:
            self._put(document)
            self.received += 1
        except Exception:   # a malformed segment must not stop the daemon
            log.debug("X-Ray: segment refused", exc_info=True)
