"""The unit tier's guard: a unit test that reaches for the network fails instead of connecting."""
import os
import socket
import urllib.request

import pytest

from tests.support.network import NetworkDisabled


def test_given_the_unit_tier_when_a_socket_connects_then_it_is_refused():
    with socket.socket() as sock, pytest.raises(NetworkDisabled):
        sock.connect(("127.0.0.1", 9))


def test_given_the_unit_tier_when_an_http_request_is_made_then_it_is_refused():
    with pytest.raises(NetworkDisabled):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)


def test_given_the_unit_tier_when_boto3_would_look_for_an_endpoint_then_none_is_configured():
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing" and os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
