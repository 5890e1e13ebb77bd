"""orchestrator's DoubleApi adapter against a real HTTP server on 127.0.0.1: every answer maps to a named error."""
import re

import pytest
from botocore.credentials import Credentials

from orchestrator.adapters.third_party import DoubleApi, ThirdPartyRejectedRequest, ThirdPartyUnavailable
from tests.support.http_stub import Answer, SilentListener, StubHttpServer, refused_url

FUNCTION_CREDENTIALS = Credentials("ASIAFUNCTIONKEY", "function-secret", "function-session-token")


def double_api(url: str, **kwargs) -> DoubleApi:
    return DoubleApi(url, credentials=FUNCTION_CREDENTIALS, region="us-east-1", **kwargs)


@pytest.mark.parametrize("status", [200, 202, 204])
def test_given_the_api_accepts_when_a_double_is_requested_then_it_returns_quietly(status):
    with StubHttpServer(Answer(status)) as api:
        double_api(f"{api.url}/double").request_double(21, "token-1")

    (request,) = api.requests
    assert request.method == "POST" and request.path == "/double"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"number": 21, "taskToken": "token-1"}


def test_given_function_credentials_when_a_double_is_requested_then_it_is_signed_for_execute_api():
    with StubHttpServer(Answer(202)) as api:
        double_api(f"{api.url}/double").request_double(21, "token-1")

    (request,) = api.requests
    authorization = request.headers["Authorization"]
    assert re.match(r"AWS4-HMAC-SHA256 Credential=ASIAFUNCTIONKEY/\d{8}/us-east-1/execute-api/aws4_request, "
                    r"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$",
                    authorization), authorization
    assert request.headers["X-Amz-Security-Token"] == "function-session-token"


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_given_a_transient_answer_when_a_double_is_requested_then_third_party_unavailable(status):
    with StubHttpServer(Answer(status, b"overloaded")) as api:
        with pytest.raises(ThirdPartyUnavailable, match=f"answered {status}: overloaded"):
            double_api(api.url).request_double(1, "t")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_given_a_client_error_answer_when_a_double_is_requested_then_third_party_rejected_request(status):
    with StubHttpServer(Answer(status, b'{"message": "number must be a number"}')) as api:
        with pytest.raises(ThirdPartyRejectedRequest, match=f"answered {status}: .*number must be a number"):
            double_api(api.url).request_double(1, "t")


def test_given_a_long_error_body_when_it_is_reported_then_only_its_start_is_kept():
    with StubHttpServer(Answer(400, b"x" * 5000)) as api:
        with pytest.raises(ThirdPartyRejectedRequest) as raised:
            double_api(api.url).request_double(1, "t")

    assert str(raised.value).count("x") == 300


def test_given_nothing_listens_when_a_double_is_requested_then_third_party_unavailable():
    with pytest.raises(ThirdPartyUnavailable, match="unreachable"):
        double_api(refused_url()).request_double(1, "t")


def test_given_the_api_never_answers_when_a_double_is_requested_then_third_party_unavailable():
    with SilentListener() as url:
        with pytest.raises(ThirdPartyUnavailable):
            double_api(url, timeout=0.2).request_double(1, "t")
