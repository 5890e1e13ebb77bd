"""The edge's state-changing routes (console actions, fault rules, the mailbox) refuse what a page of another origin
makes the developer's browser send; the console's own page, the CLI and SDKs keep working."""
from types import SimpleNamespace

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from localcloud.console.app import Console
from localcloud.edge.server import Edge
from localcloud.faults.part import FaultInjection

OWN = "http://127.0.0.1:4566"
EVIL = "http://evil.example"
CANCEL = "/_console/api/jobs/cancel?id=job-1"
FAULTS = "/_localcloud/faults"
RULE = {"service": "states", "operation": "SendTaskSuccess", "error": "ThrottlingException", "count": 1}


@pytest.fixture
def console() -> Client:
    app = Console(client=None, routes=lambda: [], api_url="http://127.0.0.1:3000", services_of=dict)
    return _at_own_origin(Client(Request.application(lambda request: app(request))))


def _at_own_origin(client: Client) -> Client:
    """A test client addressing the app as the browser does: at http://127.0.0.1:4566."""
    original = client.open
    client.open = lambda *args, **kwargs: original(*args, base_url=kwargs.pop("base_url", OWN), **kwargs)
    return client


@pytest.fixture
def edge() -> Client:
    inbox = SimpleNamespace(cleared=[], clear=lambda id_: inbox.cleared.append(id_))
    edge = Edge(runtime_lookup=lambda: None, inbox=inbox, health=lambda: (200, {}))
    FaultInjection().start(SimpleNamespace(settings=SimpleNamespace(edge_url=OWN), edge=edge,
                                          runtime=SimpleNamespace(inject=None), extension=lambda name: None))
    client = _at_own_origin(Client(edge))
    client.inbox = inbox
    return client


@pytest.mark.parametrize("headers", [{"Origin": EVIL}, {"Referer": f"{EVIL}/page.html"}, {"Origin": "null"},
                                     {},   # no page named: not the console's page either
                                     {"Origin": "http://127.0.0.1:4567"}])
def test_a_console_action_from_another_page_is_refused(console, headers):
    answer = console.post(CANCEL, headers=headers)
    assert answer.status_code == 403
    assert "only from the local cloud's own pages" in answer.json["message"]


@pytest.mark.parametrize("headers", [{"Origin": OWN}, {"Referer": f"{OWN}/_console/"}])
def test_a_console_action_from_its_own_page_is_taken(console, headers):
    # No job routes in this console: reaching the action itself answers that, not a refusal.
    answer = console.post(CANCEL, headers=headers)
    assert answer.status_code == 502 and "no POST /jobs/{jobId}/cancel route" in answer.json["response"]["message"]


def test_a_page_rebound_to_loopback_is_not_the_consoles_own():
    # DNS rebinding: evil.example now resolves to 127.0.0.1, and the browser sends its own name as Host and Origin.
    app = Console(client=None, routes=lambda: [], api_url="", services_of=dict)
    answer = Client(Request.application(lambda request: app(request))).post(
        CANCEL, base_url="http://evil.example:4566", headers={"Origin": "http://evil.example:4566"})
    assert answer.status_code == 403


def test_reading_the_console_needs_no_origin(console):
    assert console.get("/_console/api/nothing-here").status_code == 404


@pytest.mark.parametrize("headers", [{"Origin": EVIL}, {"Referer": f"{EVIL}/"}])
def test_fault_rules_from_another_page_are_refused(edge, headers):
    added = edge.post(FAULTS, json=RULE, headers=headers)
    cleared = edge.delete(FAULTS, headers=headers)
    assert (added.status_code, cleared.status_code) == (403, 403)
    assert "Fault rules are changed only from the local cloud's own pages" in added.json["message"]
    assert edge.get(FAULTS).json["rules"] == []


def test_fault_rules_from_the_cli_or_the_console_page_are_taken(edge):
    from_cli = edge.post(FAULTS, json=RULE)
    assert from_cli.status_code == 201
    from_console = edge.delete(f"{FAULTS}/{from_cli.json['id']}", headers={"Origin": OWN})
    assert from_console.status_code == 200 and from_console.json["cleared"] == 1


def test_the_mailbox_is_not_cleared_for_another_page(edge):
    assert edge.delete("/_aws/ses", headers={"Origin": EVIL}).status_code == 403
    assert edge.delete("/_aws/ses", headers={"Origin": OWN}).status_code == 204
    assert edge.inbox.cleared == [None]
