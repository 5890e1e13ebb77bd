"""`python -m localcloud faults add` sends one rule of any kind to the cloud's /_localcloud/faults API, as typed."""
import argparse
import io

from localcloud import cli
from tests.support.http_stub import Answer, StubHttpServer


def run(argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    cli.add_subcommands(parser.add_subparsers(required=True))
    args, out = parser.parse_args(argv), io.StringIO()
    return args.func(args, out=out), out.getvalue()


def test_faults_add_posts_a_rule_of_the_kind_asked_with_only_the_options_given(monkeypatch):
    with StubHttpServer(Answer(201, b'{"id": "fault-1"}')) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)

        code, printed = run(["faults", "add", "--kind", "lambda-timeout", "--function", "consumeOrders",
                             "--after-ms", "500", "--count", "1"])

    assert code == 0 and '"fault-1"' in printed
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/_localcloud/faults")
    assert request.json() == {"kind": "lambda-timeout", "function": "consumeOrders", "after_ms": 500, "count": 1}


def test_faults_add_fails_with_the_clouds_refusal(monkeypatch):
    with StubHttpServer(Answer(400, b'{"message": "a mqtt-drop rule needs topic"}')) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)

        code, printed = run(["faults", "add", "--kind", "mqtt-drop", "--client-id", "acme"])

    assert code == 1 and "needs topic" in printed
    assert server.requests[0].json() == {"kind": "mqtt-drop", "client_id": "acme"}
