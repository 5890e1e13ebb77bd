"""Edits go live without a restart, through the same path as a deploy.

Every second the watcher compares a cheap fingerprint (path, size, mtime of each file) of every service's code; when
one changes, that service is packaged again with osls, as `make deploy` would package it, and its functions' next
invocations start in fresh workers on the new package (running ones finish on the old code, as after
UpdateFunctionCode). An edit of the shared layer's code rebuilds the layer first, then renews every function that
uses it. What is not code (serverless.yml, state machines, schemas: resources, routes, permissions) needs a restart
of the local cloud, which the log says.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

log = logging.getLogger("localcloud.lambda")
_CONFIGURATION = {".yml", ".yaml", ".json"}
_IGNORED_DIRS = {".serverless", "__pycache__", "node_modules", "build"}
_SETTLE_SECONDS = 0.3      # editors write a file in several steps


def fingerprint(folders: list[Path]) -> dict[str, tuple[int, int]]:
    found = {}
    for folder in folders:
        if folder.is_file():
            stat = folder.stat()
            found[str(folder)] = (stat.st_size, stat.st_mtime_ns)
            continue
        for root, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if d not in _IGNORED_DIRS]
            for name in names:
                if name.endswith(".pyc"):
                    continue
                path = os.path.join(root, name)
                try:
                    stat = os.stat(path)
                except FileNotFoundError:
                    continue
                found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


class CodeWatcher:
    """sources: service name -> the files and folders whose edits it picks up; reload(service) repackages it and
    renews its functions (reload("shared") also rebuilds the layer)."""

    def __init__(self, sources: dict[str, list[Path]], reload: Callable[[str], None], interval: float = 1.0):
        self._sources, self._reload, self._interval = sources, reload, interval
        self._seen = {name: fingerprint(paths) for name, paths in sources.items()}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="localcloud-code-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _watch(self) -> None:
        while not self._stop.wait(self._interval):
            for name, paths in self._sources.items():
                now = fingerprint(paths)
                if now == self._seen[name]:
                    continue
                time.sleep(_SETTLE_SECONDS)
                now = fingerprint(paths)
                changed = sorted(set(now.items()) ^ set(self._seen[name].items()))
                self._seen[name] = now
                configuration = [p for p, _ in changed if Path(p).suffix in _CONFIGURATION]
                if configuration:
                    log.warning("%s: %s changed: restart the local cloud to apply configuration (code edits are "
                                "picked up live)", name, ", ".join(sorted({Path(p).name for p in configuration})))
                    continue
                started = time.monotonic()
                try:
                    self._reload(name)
                except Exception as exc:      # a broken edit must not stop the watcher; the next one may fix it
                    log.error("%s: could not repackage after an edit: %s", name, exc)
                    continue
                log.info("%s: edit live in %.1fs (repackaged, its functions start fresh)", name,
                         time.monotonic() - started)
