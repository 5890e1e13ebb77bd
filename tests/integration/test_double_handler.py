"""third-party-api `double`: POST /double answers 202 and calls Step Functions back with the task token."""
import json

import pytest

from lambda_shared.settings import MissingSetting
from lambda_shared.tokens import token_fingerprint
from localcloud.serverless import services
from tests.support.aws import STAGE
from tests.support.events import load_event, with_body, with_json_body
from tests.support.tokens import new_task_token

# Every handler path publishes a metric: an empty @metrics.log_metrics fails the test.
pytestmark = pytest.mark.filterwarnings("error:No application metrics to publish:UserWarning")

LIMIT = services.stage_section(STAGE)["settings"]["doubleLimit"]   # 500 in env.json


@pytest.fixture
def third_party(service_resources):
    return service_resources("third-party-api")


@pytest.fixture
def double(third_party):
    return third_party.load("double")


def post(third_party, double, payload=None, *, raw: str | None = None):
    event = load_event("apigw-post-double")
    event = with_body(event, raw) if raw is not None else with_json_body(event, payload)
    response = double(event, third_party.context("double"))
    return response["statusCode"], json.loads(response["body"])


def test_given_serverless_yml_when_the_handler_starts_then_its_limit_comes_from_env_json(third_party, double):
    assert third_party.environment("double")["DOUBLE_LIMIT"] == str(LIMIT)
    assert third_party.module("double").container.LIMIT == LIMIT


def test_given_a_small_number_when_it_is_posted_then_202_and_the_callback_carries_it_doubled(
        third_party, double, sfn_calls):
    token = new_task_token()

    status, body = post(third_party, double, {"number": 21, "taskToken": token})

    assert status == 202 and body == {"status": "doubled"}
    (success,) = sfn_calls.successes
    assert success["taskToken"] == token
    assert json.loads(success["output"]) == {"doubled": 42}
    assert sfn_calls.failures == []


@pytest.mark.parametrize("number, doubled", [(LIMIT - 0.01, 2 * LIMIT - 0.02), (-7, -14), (0, 0), (2.5, 5.0)])
def test_given_a_number_below_the_limit_when_it_is_posted_then_it_is_doubled(
        third_party, double, sfn_calls, number, doubled):
    status, _ = post(third_party, double, {"number": number, "taskToken": new_task_token()})

    assert status == 202
    assert json.loads(sfn_calls.successes[0]["output"])["doubled"] == pytest.approx(doubled)


@pytest.mark.parametrize("number", [LIMIT, float(LIMIT), LIMIT * 20])
def test_given_a_number_at_or_above_the_limit_when_it_is_posted_then_the_task_fails_with_number_is_too_big(
        third_party, double, sfn_calls, number):
    token = new_task_token()

    status, body = post(third_party, double, {"number": number, "taskToken": token})

    assert status == 202 and body == {"status": "refused", "error": "NumberIsTooBig"}
    (failure,) = sfn_calls.failures
    assert failure["taskToken"] == token
    assert failure["error"] == "NumberIsTooBig"
    assert f"below {LIMIT}" in failure["cause"]
    assert sfn_calls.successes == []


@pytest.mark.parametrize("raw, problem", [
    ("this is not json", "not valid JSON"),
    ("", "JSON object"),
    ("[1, 2]", "JSON object"),
    ('{"taskToken": "AAAAKgEXAMPLETASKTOKENx"}', "number"),
    ('{"number": "21", "taskToken": "AAAAKgEXAMPLETASKTOKENx"}', "number"),
    ('{"number": true, "taskToken": "AAAAKgEXAMPLETASKTOKENx"}', "number"),
    ('{"number": null, "taskToken": "AAAAKgEXAMPLETASKTOKENx"}', "number"),
    ('{"number": [21], "taskToken": "AAAAKgEXAMPLETASKTOKENx"}', "number"),
    ('{"number": {"value": 21}, "taskToken": "AAAAKgEXAMPLETASKTOKENx"}', "number"),
    ('{"number": NaN, "taskToken": "AAAAKgEXAMPLETASKTOKENx"}', "not valid JSON"),
    ('{"number": -Infinity, "taskToken": "AAAAKgEXAMPLETASKTOKENx"}', "not valid JSON"),
    ('{"number": 21}', "taskToken"),
    ('{"number": 21, "taskToken": ""}', "taskToken"),
    ('{"number": 21, "taskToken": 12345}', "taskToken"),
])
def test_given_a_bad_body_when_it_is_posted_then_400_naming_the_problem_and_no_callback(
        third_party, double, sfn_calls, raw, problem):
    status, body = post(third_party, double, raw=raw)

    assert status == 400
    assert list(body) == ["message"] and problem in body["message"]
    assert sfn_calls.calls == []


def test_given_a_base64_encoded_body_when_it_is_posted_then_it_is_decoded(third_party, double, sfn_calls):
    event = with_body(load_event("apigw-post-double"), json.dumps({"number": 4, "taskToken": new_task_token()}),
                      base64_encoded=True)

    response = double(event, third_party.context("double"))

    assert response["statusCode"] == 202
    assert json.loads(sfn_calls.successes[0]["output"]) == {"doubled": 8}


def test_when_a_number_is_doubled_then_the_log_has_the_token_fingerprint_only(
        third_party, double, sfn_calls, captured_logs):
    token = new_task_token()

    post(third_party, double, {"number": 1, "taskToken": token})

    callbacks = [e for e in captured_logs.entries() if e["message"] == "SendTaskSuccess"]
    assert callbacks and callbacks[0]["task"] == token_fingerprint(token)


def test_given_no_double_limit_when_the_handler_starts_then_it_fails_naming_the_variable(third_party, monkeypatch):
    third_party.configure("double")
    monkeypatch.delenv("DOUBLE_LIMIT")

    with pytest.raises(MissingSetting, match="DOUBLE_LIMIT"):
        third_party.reload("third_party_api.handlers.double")


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_given_a_task_that_no_longer_waits_when_the_callback_is_refused_then_410_not_a_retryable_5xx(
        third_party, double, sfn_calls, code):
    sfn_calls.refuse_with(code)

    status, body = post(third_party, double, {"number": 2, "taskToken": new_task_token()})

    assert status == 410 and code in body["message"]


def test_given_a_number_whose_double_overflows_then_the_callback_is_a_number_out_of_range_failure(
        third_party, double, sfn_calls):
    status, body = post(third_party, double, {"number": -1.7e308, "taskToken": new_task_token()})

    assert status == 202 and body["error"] == "NumberOutOfRange"
    assert sfn_calls.failures[0]["error"] == "NumberOutOfRange" and sfn_calls.successes == []
