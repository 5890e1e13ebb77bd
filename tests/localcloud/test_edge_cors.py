"""The gap localcloud/edge/global_cors.py fixes, shown twice: present in the pinned moto without the fix, gone with it.

When a moto upgrade closes the gap, the "without the fix" test fails: then delete the fix.
"""
import pytest
from werkzeug.test import Client

from localcloud.edge.server import Edge

EVIL = "http://evil.example"
# A signed-looking STS call: moto's server finds the service from the credential scope.
STS_AUTH = ("AWS4-HMAC-SHA256 Credential=localcloud/20260101/us-east-1/sts/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=0")
GET_CALLER_IDENTITY = "/?Action=GetCallerIdentity&Version=2011-06-15"


def _preflight(client: Client):
    return client.options(GET_CALLER_IDENTITY, headers={
        "Origin": EVIL, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization,x-amz-date", "Authorization": STS_AUTH})


def _read(client: Client):
    return client.get(GET_CALLER_IDENTITY, headers={"Origin": EVIL, "Authorization": STS_AUTH})


def test_edge_cors_moto_still_lets_any_origin_read_every_service(monkeypatch):
    from moto.moto_server import werkzeug_app
    from moto.server import DomainDispatcherApplication, create_backend_app

    # moto's default, as in a process without MOTO_DISABLE_GLOBAL_CORS.
    monkeypatch.setattr(werkzeug_app, "DISABLE_GLOBAL_CORS", False)
    moto = Client(DomainDispatcherApplication(create_backend_app))
    read = _read(moto)
    assert read.status_code == 200
    assert read.headers.get("Access-Control-Allow-Origin") in ("*", EVIL), \
        "moto's server no longer adds CORS to every answer: drop localcloud/edge/global_cors.py"
    assert _preflight(moto).headers.get("Access-Control-Allow-Origin") in ("*", EVIL)


@pytest.fixture
def edge(monkeypatch):
    from moto.moto_server import werkzeug_app

    monkeypatch.setattr(werkzeug_app, "DISABLE_GLOBAL_CORS", False)   # restored after the test
    return Client(Edge(runtime_lookup=lambda: None, inbox=None, health=lambda: (200, {})))


def test_edge_cors_fix_a_foreign_page_can_neither_preflight_nor_read(edge):
    # Given the edge, when a page of another origin asks to read the local cloud
    preflight, read = _preflight(edge), _read(edge)
    # Then the call itself is answered, but the browser is told nothing that lets the page see it
    assert read.status_code == 200 and b"GetCallerIdentityResult" in read.data
    for answer in (preflight, read):
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert "Access-Control-Allow-Credentials" not in answer.headers
