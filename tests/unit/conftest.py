"""Unit tier: logic only. Any attempt to open a network connection fails the test."""
import pytest

from tests.support.network import disable_network


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    disable_network(monkeypatch)
