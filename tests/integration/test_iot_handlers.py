"""iot-callback handlers under moto, with the jobs table and environment built from the service's serverless.yml."""
import json

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from iot_callback import flows
from tests.support.aws import moto_client
from tests.support.events import with_json_body, load_event
from tests.support.tokens import new_task_token


@pytest.fixture
def iot(service_resources):
    service = service_resources("iot-callback")
    sfn = moto_client("stepfunctions")
    sfn.create_state_machine(name="waitflows-iot-jobs-dev",
                             definition=service.stack.state_machine_definition("JobStateMachine"),
                             roleArn="arn:aws:iam::123456789012:role/sfn")
    return service


def load(iot, key: str):
    """The handler, cold-started; its publisher talks to moto's iot-data (AWS resolves the account's ATS endpoint,
    which moto's mock does not route)."""
    from iot_callback.adapters.publisher import IotPublisher

    handler = iot.load(key)
    iot.module(key).container.publisher = IotPublisher(moto_client("iot-data"))
    return handler


def published(topic: str) -> list[dict]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    backend = iotdata_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [json.loads(payload) for name, payload in backend.published_payloads if name == topic]


def dispatch(iot, job_id="job-1", tenant="tenant1", token=None):
    token = token or new_task_token()
    handler = load(iot, "dispatchJob")
    handler({"jobId": job_id, "tenant": tenant, "input": {"a": 15, "b": 42}, "taskToken": token,
             "executionArn": "arn:aws:states:us-east-1:123456789012:execution:x:job-1"}, iot.context("dispatchJob"))
    return token


def test_when_dispatched_then_the_job_is_published_to_the_tenant_and_the_token_kept_in_the_table(iot):
    token = dispatch(iot)

    (message,) = published("tenants/tenant1/jobs")
    assert message == {"jobId": "job-1", "input": {"a": 15, "b": 42}, "taskToken": token,
                       "heartbeatSeconds": int(iot.environment("dispatchJob")["JOB_HEARTBEAT_SECONDS"])}
    job = iot.module("dispatchJob").container.store.get("job-1")
    assert job.task_token == token and job.status == "dispatched" and job.tenant == "tenant1"


def test_given_the_publish_fails_when_dispatched_then_the_task_fails_with_dispatch_failed(iot, monkeypatch):
    handler = load(iot, "dispatchJob")

    class Refusing:
        def publish(self, topic, message):
            raise ClientError({"Error": {"Code": "ForbiddenException", "Message": "no"}}, "Publish")

    monkeypatch.setattr(iot.module("dispatchJob").container, "publisher", Refusing())
    with pytest.raises(flows.DispatchFailed, match="ForbiddenException"):
        handler({"jobId": "job-1", "tenant": "tenant1", "input": {}, "taskToken": new_task_token()},
                iot.context("dispatchJob"))


def test_a_success_report_sends_task_success_once_even_when_delivered_twice(iot, sfn_calls):
    token = dispatch(iot)
    result = load(iot, "reportResult")
    event = {"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded", "result": 57}

    first = result(event, iot.context("reportResult"))
    second = result({**event, "result": 999}, iot.context("reportResult"))

    assert (first, second) == ({"outcome": "succeeded"}, {"outcome": "duplicate"})
    (success,) = sfn_calls.successes
    assert success["taskToken"] == token and json.loads(success["output"]) == {"jobId": "job-1", "result": 57}


def test_a_failure_report_carries_the_workers_error_type_and_message(iot, sfn_calls):
    dispatch(iot)

    load(iot, "reportResult")({"jobId": "job-1", "fromTenant": "tenant1", "status": "failed",
                              "error": {"type": "KeyError", "message": "'a'"}}, iot.context("reportResult"))

    (failure,) = sfn_calls.failures
    assert failure["error"] == "WorkerFailed" and failure["cause"] == "KeyError: 'a'"


def test_a_refused_report_is_recorded_on_the_job_and_fails_its_task_with_the_reason(iot, sfn_calls):
    # Given a dispatched job
    dispatch(iot)
    result = load(iot, "reportResult")
    # When its worker reports it with a status the cloud does not take
    outcome = result({"jobId": "job-1", "fromTenant": "tenant1", "status": "done", "result": 57},
                     iot.context("reportResult"))
    # Then the task fails now, with the reason, instead of waiting for a heartbeat timeout (WorkerLost)
    assert outcome == {"outcome": "refused"}
    (failure,) = sfn_calls.failures
    assert failure["error"] == "WorkerFailed"
    assert failure["cause"].startswith("ReportRefused: the worker's result was refused: status must be one of")
    # And the job record says so
    job = iot.module("reportResult").container.store.get("job-1")
    assert job.status == "failed" and job.error["type"] == "ReportRefused"
    # And a corrected report afterwards changes nothing: the job ended
    assert result({"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded", "result": 57},
                  iot.context("reportResult")) == {"outcome": "duplicate"}
    assert sfn_calls.successes == []


def test_a_refused_report_naming_no_job_touches_nothing(iot, sfn_calls):
    dispatch(iot)

    outcome = load(iot, "reportResult")({"jobId": "", "fromTenant": "tenant1", "status": "done"},
                                        iot.context("reportResult"))

    assert outcome == {"outcome": "refused"} and sfn_calls.calls == []
    assert iot.module("reportResult").container.store.get("job-1").status == "dispatched"


def test_a_report_from_another_tenants_topic_is_ignored(iot, sfn_calls):
    dispatch(iot)

    outcome = load(iot, "reportResult")({"jobId": "job-1", "fromTenant": "tenant2", "status": "succeeded",
                                        "result": 1}, iot.context("reportResult"))

    assert outcome == {"outcome": "unknown-job"} and sfn_calls.calls == []


def test_given_the_task_is_over_when_the_result_arrives_then_the_refusal_is_absorbed(iot, sfn_calls):
    dispatch(iot)
    sfn_calls.refuse_with("TaskTimedOut")

    outcome = load(iot, "reportResult")({"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded",
                                        "result": 57}, iot.context("reportResult"))

    assert outcome == {"outcome": "task-over"}


def test_given_step_functions_is_unavailable_then_the_claim_is_released_for_a_retry(iot, sfn_calls):
    dispatch(iot)
    sfn_calls.refuse_with("ServiceUnavailable", "try later")
    result = load(iot, "reportResult")
    event = {"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded", "result": 57}

    with pytest.raises(ClientError):
        result(event, iot.context("reportResult"))

    sfn_calls.accept_again()   # Step Functions is back
    assert result(event, iot.context("reportResult")) == {"outcome": "succeeded"}


def test_given_the_network_fails_the_callback_then_the_claim_is_released_for_a_retry(iot, sfn_calls):
    dispatch(iot)
    sfn_calls.lose_connection()
    result = load(iot, "reportResult")
    event = {"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded", "result": 57}

    with pytest.raises(EndpointConnectionError):
        result(event, iot.context("reportResult"))

    sfn_calls.accept_again()
    assert result(event, iot.context("reportResult")) == {"outcome": "succeeded"}


def test_given_an_invocation_died_after_recording_the_result_then_its_retry_delivers_the_recorded_one(
        iot, sfn_calls):
    # Given a result recorded by an invocation that died before Step Functions heard it (killed, timed out)
    token = dispatch(iot)
    result = load(iot, "reportResult")
    store = iot.module("reportResult").container.store
    from iot_callback.logic.jobs import Report
    store.claim_report(Report(job_id="job-1", tenant="tenant1", status="succeeded", result=57), "2026-01-01T00:00Z")
    assert sfn_calls.calls == []

    # When Lambda retries the message (or a duplicate arrives, with another result)
    outcome = result({"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded", "result": 999},
                     iot.context("reportResult"))

    # Then the recorded first result is delivered, once; a later duplicate has nothing left to do
    assert outcome == {"outcome": "succeeded"}
    (success,) = sfn_calls.successes
    assert success["taskToken"] == token and json.loads(success["output"]) == {"jobId": "job-1", "result": 57}
    assert result({"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded", "result": 57},
                  iot.context("reportResult")) == {"outcome": "duplicate"}
    assert len(sfn_calls.successes) == 1


def test_a_heartbeat_sends_task_heartbeat_with_the_stored_token(iot, sfn_calls):
    token = dispatch(iot)

    outcome = load(iot, "reportHeartbeat")({"jobId": "job-1", "fromTenant": "tenant1"}, iot.context("reportHeartbeat"))

    assert outcome == {"outcome": "sent"}
    assert sfn_calls.named("SendTaskHeartbeat") == [{"taskToken": token}]


def report_progress(iot, seq: int, percent: float, message: str = "") -> dict:
    return load(iot, "reportProgress")({"jobId": "job-1", "fromTenant": "tenant1", "seq": seq, "percent": percent,
                                        "message": message}, iot.context("reportProgress"))


def get_job(iot, job_id: str = "job-1") -> dict:
    response = load(iot, "getJob")(
        {**load_event("apigw-get-approval-status"), "resource": "/jobs/{jobId}", "path": f"/jobs/{job_id}",
         "pathParameters": {"jobId": job_id}, "queryStringParameters": None}, iot.context("getJob"))
    assert response["statusCode"] == 200
    assert "taskToken" not in response["body"]
    return json.loads(response["body"])


def test_progress_is_stored_and_shown_by_get_job(iot):
    dispatch(iot)
    report_progress(iot, 1, 40, "half")

    body = get_job(iot)

    assert body["status"] == "running" and body["progress"]["percent"] == 40 and body["progress"]["message"] == "half"


def test_given_newer_progress_is_stored_when_an_older_message_arrives_then_it_is_ignored(iot):
    dispatch(iot)
    assert report_progress(iot, 3, 75, "three") == {"outcome": "stored"}

    assert report_progress(iot, 2, 50, "two") == {"outcome": "ignored"}
    assert report_progress(iot, 3, 60, "three again") == {"outcome": "ignored"}

    assert get_job(iot)["progress"]["percent"] == 75


def test_given_the_result_arrived_when_a_late_progress_message_arrives_then_the_job_stays_at_100(iot, sfn_calls):
    dispatch(iot)
    report_progress(iot, 7, 87.5, "step 7 of 8")
    load(iot, "reportResult")({"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded", "result": 57},
                              iot.context("reportResult"))

    assert report_progress(iot, 8, 95, "step 8 of 8") == {"outcome": "ignored"}

    job = iot.module("getJob").container.store.get("job-1")
    assert job.status == "succeeded" and job.result == 57
    assert job.progress["percent"] == 100 and job.progress["message"] == "done"


def test_a_failed_job_keeps_the_last_progress_that_arrived_before_its_result(iot, sfn_calls):
    dispatch(iot)
    report_progress(iot, 2, 30, "two")
    load(iot, "reportResult")({"jobId": "job-1", "fromTenant": "tenant1", "status": "failed",
                               "error": {"type": "IOError", "message": "disk full"}}, iot.context("reportResult"))

    assert report_progress(iot, 3, 40, "three") == {"outcome": "ignored"}

    assert iot.module("getJob").container.store.get("job-1").progress["percent"] == 30


def test_post_jobs_records_the_job_and_starts_its_execution_named_by_the_job_id(iot):
    event = with_json_body({**load_event("apigw-post-double"), "resource": "/jobs", "path": "/jobs"},
                           {"tenant": "tenant1", "input": {"a": 15, "b": 42}})

    response = load(iot, "startJob")(event, iot.context("startJob"))

    body = json.loads(response["body"])
    assert response["statusCode"] == 202
    assert body["executionArn"].endswith(f":{body['jobId']}")
    execution = moto_client("stepfunctions").describe_execution(executionArn=body["executionArn"])
    assert json.loads(execution["input"]) == {"jobId": body["jobId"], "tenant": "tenant1", "input": {"a": 15, "b": 42}}
    assert iot.module("startJob").container.store.get(body["jobId"]).status == "submitted"


# --- POST /jobs with an Idempotency-Key ----------------------------------------------------------------------------

JOB = {"tenant": "tenant1", "input": {"a": 15, "b": 42}}


@pytest.fixture
def post_jobs(iot):
    """post_jobs(body, key=None) -> the response of startJob, one container for the whole test."""
    handler = load(iot, "startJob")

    def post(body: dict, key: str | None = None, header: str = "Idempotency-Key") -> dict:
        event = with_json_body({**load_event("apigw-post-double"), "resource": "/jobs", "path": "/jobs"}, body)
        if key is not None:
            event["headers"][header] = key
            event["multiValueHeaders"][header] = [key]
        return handler(event, iot.context("startJob"))

    post.container = iot.module("startJob").container
    return post


def executions_started() -> list[dict]:
    sfn = moto_client("stepfunctions")
    (machine,) = sfn.list_state_machines()["stateMachines"]
    return sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]


def test_given_a_job_posted_with_a_key_when_the_same_request_is_retried_then_it_answers_the_same_job(post_jobs):
    first = post_jobs(JOB, key="order-7")

    again = post_jobs({"input": {"b": 42, "a": 15}, "tenant": "tenant1"}, key="order-7", header="idempotency-key")

    assert (first["statusCode"], again["statusCode"]) == (202, 202)
    assert json.loads(again["body"]) == json.loads(first["body"])
    assert [e["executionArn"] for e in executions_started()] == [json.loads(first["body"])["executionArn"]]


def test_given_a_key_used_when_it_comes_back_with_another_body_then_it_is_refused_and_nothing_starts(post_jobs):
    post_jobs(JOB, key="order-7")

    other = post_jobs({**JOB, "input": {"a": 1, "b": 2}}, key="order-7")

    assert other["statusCode"] == 422
    assert "another request body" in json.loads(other["body"])["message"]
    assert len(executions_started()) == 1


def test_given_no_key_when_the_same_job_is_posted_twice_then_two_jobs_start_as_before(post_jobs):
    first, second = post_jobs(JOB), post_jobs(JOB)

    assert json.loads(first["body"])["jobId"] != json.loads(second["body"])["jobId"]
    assert len(executions_started()) == 2


def test_given_the_first_request_still_runs_when_its_retry_arrives_then_the_retry_is_told_to_come_back(post_jobs):
    real, retries = post_jobs.container.executions, []

    class RetriedMidway:
        def start(self, job_id, execution_input):
            retries.append(post_jobs(JOB, key="order-7"))
            return real.start(job_id, execution_input)

    post_jobs.container.executions = RetriedMidway()
    first = post_jobs(JOB, key="order-7")

    (retry,) = retries
    assert first["statusCode"] == 202
    assert retry["statusCode"] == 409 and retry["headers"]["Retry-After"] == "1"
    assert len(executions_started()) == 1


def test_given_the_first_request_failed_when_it_is_retried_with_its_key_then_the_job_starts(post_jobs):
    real = post_jobs.container.executions

    class Unavailable:
        def start(self, job_id, execution_input):
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "later"}}, "StartExecution")

    post_jobs.container.executions = Unavailable()
    with pytest.raises(ClientError):
        post_jobs(JOB, key="order-7")
    post_jobs.container.executions = real

    assert post_jobs(JOB, key="order-7")["statusCode"] == 202
    assert len(executions_started()) == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "a\x00b"])
def test_given_a_malformed_key_when_a_job_is_posted_then_it_is_refused(post_jobs, key):
    response = post_jobs(JOB, key=key)

    assert response["statusCode"] == 400 and "Idempotency-Key" in json.loads(response["body"])["message"]
    assert executions_started() == []
