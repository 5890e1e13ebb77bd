"""Switching the network off for a test: any connection attempt raises NetworkDisabled instead."""
import socket

import pytest


class NetworkDisabled(RuntimeError):
    pass


def disable_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(address):
        raise NetworkDisabled(f"a unit test tried to connect to {address!r}: use a fake, or move it to integration")

    monkeypatch.setattr(socket.socket, "connect", lambda sock, address, *a, **k: refuse(address))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda sock, address, *a, **k: refuse(address))
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(address))
