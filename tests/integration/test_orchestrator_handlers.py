"""orchestrator: the Calculate task, and the Double task that hands the sum and task token to the third-party API."""
import json

import pytest

from lambda_shared.settings import MissingSetting
from localcloud.serverless import services
from tests.support.aws import STAGE
from tests.support.events import load_event
from tests.support.http_stub import Answer, StubHttpServer, refused_url
from tests.support.tokens import new_task_token


@pytest.fixture
def orchestrator(service_resources):
    return service_resources("orchestrator")


# --- calculate -----------------------------------------------------------------------------------------------------

def test_given_two_numbers_when_calculate_runs_then_it_returns_them_with_their_sum(orchestrator):
    calculate = orchestrator.load("calculate")

    result = calculate(load_event("sfn-calculate"), orchestrator.context("calculate"))

    assert result == {"x": 125, "y": 122, "sum": 247}


@pytest.mark.parametrize("x, y, total", [(1.5, 2.25, 3.75), (-10, 4, -6), (0, 0, 0)])
def test_given_floats_or_negatives_when_calculate_runs_then_the_sum_is_exact(orchestrator, x, y, total):
    calculate = orchestrator.load("calculate")

    assert calculate({"x": x, "y": y}, orchestrator.context("calculate"))["sum"] == total


@pytest.mark.parametrize("event", [{"x": True, "y": 1}, {"x": "1", "y": 2}, {"x": 1}, {"x": None, "y": 1}])
def test_given_something_that_is_not_two_numbers_when_calculate_runs_then_it_fails(orchestrator, event):
    calculate = orchestrator.load("calculate")

    with pytest.raises(TypeError, match="numbers"):
        calculate(event, orchestrator.context("calculate"))


# --- requestDouble -------------------------------------------------------------------------------------------------

def load_request_double(orchestrator, url: str):
    # serverless.yml gives DOUBLE_URL from the third-party-api's recorded output; here it is a local server.
    return orchestrator.load("requestDouble", DOUBLE_URL=url)


def test_given_no_double_url_was_recorded_when_the_handler_starts_then_it_refuses_naming_the_variable(
        orchestrator):
    # "not-deployed" is serverless.yml's fallback while env.json holds no third-party-api outputs.
    with pytest.raises(MissingSetting, match="DOUBLE_URL must be an http"):
        orchestrator.load("requestDouble", DOUBLE_URL="not-deployed")


def test_given_the_api_accepts_when_the_double_task_runs_then_the_sum_and_token_are_posted(orchestrator):
    token = new_task_token()
    with StubHttpServer(Answer(202, b'{"status": "doubled"}')) as api:
        handler = load_request_double(orchestrator, f"{api.url}/dev/double")

        result = handler(load_event("sfn-request-double", taskToken=token), orchestrator.context("requestDouble"))

    assert result == {"requested": True}
    (request,) = api.requests
    assert request.method == "POST" and request.path == "/dev/double"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"number": 247, "taskToken": token}


@pytest.mark.parametrize("status", [503, 500, 429])
def test_given_the_api_is_busy_when_the_double_task_runs_then_it_fails_with_third_party_unavailable(
        orchestrator, status):
    with StubHttpServer(Answer(status, b'{"message": "try later"}')) as api:
        handler = load_request_double(orchestrator, f"{api.url}/double")

        with pytest.raises(Exception) as raised:
            handler(load_event("sfn-request-double", taskToken=new_task_token()), orchestrator.context("requestDouble"))

    # The state machine matches the error by the exception's class name: Retry on ThirdPartyUnavailable.
    assert type(raised.value).__name__ == "ThirdPartyUnavailable"
    assert str(status) in str(raised.value)


@pytest.mark.parametrize("status", [400, 404])
def test_given_the_api_refuses_the_request_when_the_double_task_runs_then_it_fails_with_rejected_request(
        orchestrator, status):
    with StubHttpServer(Answer(status, b'{"message": "number must be a number"}')) as api:
        handler = load_request_double(orchestrator, f"{api.url}/double")

        with pytest.raises(Exception) as raised:
            handler(load_event("sfn-request-double", taskToken=new_task_token()), orchestrator.context("requestDouble"))

    assert type(raised.value).__name__ == "ThirdPartyRejectedRequest"
    assert "number must be a number" in str(raised.value)


def test_given_nothing_listens_when_the_double_task_runs_then_it_fails_with_third_party_unavailable(orchestrator):
    handler = load_request_double(orchestrator, refused_url())

    with pytest.raises(Exception) as raised:
        handler(load_event("sfn-request-double", taskToken=new_task_token()), orchestrator.context("requestDouble"))

    assert type(raised.value).__name__ == "ThirdPartyUnavailable"
    assert "unreachable" in str(raised.value)


def test_when_the_double_task_runs_then_the_log_has_the_number_and_no_token(orchestrator, captured_logs):
    token = new_task_token()
    with StubHttpServer() as api:
        handler = load_request_double(orchestrator, f"{api.url}/double")
        handler(load_event("sfn-request-double", taskToken=token), orchestrator.context("requestDouble"))

    (entry,) = [e for e in captured_logs.entries() if e["message"] == "requesting double"]
    assert entry["number"] == 247 and len(entry["task"]) == 12


# --- the two services together -------------------------------------------------------------------------------------

def serve_double_handler(third_party, double):
    """The third-party API as API Gateway would run it: each HTTP request becomes a proxy event for its handler."""
    def respond(request):
        event = load_event("apigw-post-double", body=request.body.decode())
        response = double(event, third_party.context("double"))
        return Answer(response["statusCode"], response["body"].encode())
    return StubHttpServer(respond)


DOUBLE_LIMIT = services.stage_section(STAGE)["settings"]["doubleLimit"]


@pytest.mark.parametrize("number, operation", [(247, "SendTaskSuccess"), (DOUBLE_LIMIT + 100, "SendTaskFailure")])
def test_given_the_real_double_api_when_the_double_task_runs_then_the_workflow_gets_its_callback(
        service_resources, orchestrator, sfn_calls, number, operation):
    third_party = service_resources("third-party-api")
    double = third_party.load("double")
    token = new_task_token()
    with serve_double_handler(third_party, double) as api:
        handler = load_request_double(orchestrator, f"{api.url}/double")

        handler({"number": number, "taskToken": token}, orchestrator.context("requestDouble"))

    ((name, params),) = sfn_calls.calls
    assert name == operation and params["taskToken"] == token
    if operation == "SendTaskSuccess":
        assert json.loads(params["output"]) == {"doubled": 494}
    else:
        assert params["error"] == "NumberIsTooBig"


# --- startWorkflow: POST /calculate, with or without an Idempotency-Key --------------------------------------------

@pytest.fixture
def post_calculate(orchestrator):
    """post_calculate(body, key=None) -> startWorkflow's response, one container for the whole test."""
    from tests.support.aws import moto_client

    sfn = moto_client("stepfunctions")
    sfn.create_state_machine(name=f"waitflows-approval-workflow-{STAGE}",
                             definition=orchestrator.stack.state_machine_definition("ApprovalWorkflow"),
                             roleArn="arn:aws:iam::123456789012:role/sfn")
    handler = orchestrator.load("startWorkflow")

    def post(body, key: str | None = None) -> dict:
        event = {**load_event("apigw-post-double"), "resource": "/calculate", "path": "/calculate",
                 "body": json.dumps(body)}
        if key is not None:
            event["headers"] = {**event["headers"], "Idempotency-Key": key}
        return handler(event, orchestrator.context("startWorkflow"))

    def runs() -> list[dict]:
        (machine,) = sfn.list_state_machines()["stateMachines"]
        return sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]

    post.runs = runs
    return post


def test_given_two_numbers_when_posted_then_the_workflow_starts_with_them(post_calculate):
    response = post_calculate({"x": 125, "y": 122})

    body = json.loads(response["body"])
    assert response["statusCode"] == 200 and set(body) == {"executionArn", "startDate"}
    assert [run["executionArn"] for run in post_calculate.runs()] == [body["executionArn"]]


def test_given_a_key_when_the_same_request_is_retried_then_it_answers_the_first_run_and_starts_none(post_calculate):
    first = post_calculate({"x": 125, "y": 122}, key="calc-1")

    again = post_calculate({"y": 122, "x": 125}, key="calc-1")

    assert again["statusCode"] == 200 and json.loads(again["body"]) == json.loads(first["body"])
    assert len(post_calculate.runs()) == 1


def test_given_a_key_used_when_it_comes_back_with_other_numbers_then_it_is_refused(post_calculate):
    post_calculate({"x": 125, "y": 122}, key="calc-1")

    other = post_calculate({"x": 1, "y": 2}, key="calc-1")

    assert other["statusCode"] == 422 and len(post_calculate.runs()) == 1


def test_given_no_key_when_the_same_numbers_are_posted_twice_then_two_runs_start(post_calculate):
    first, second = post_calculate({"x": 1, "y": 2}), post_calculate({"x": 1, "y": 2})

    assert json.loads(first["body"])["executionArn"] != json.loads(second["body"])["executionArn"]
    assert len(post_calculate.runs()) == 2


@pytest.mark.parametrize("body", [{"x": 1}, {"x": 1, "y": 2, "z": 3}, {"x": "1", "y": 2}, {"x": True, "y": 2}])
def test_given_a_body_that_is_not_two_numbers_when_no_schema_caught_it_then_nothing_starts(post_calculate, body):
    response = post_calculate(body, key="calc-bad")

    assert response["statusCode"] == 400 and post_calculate.runs() == []
