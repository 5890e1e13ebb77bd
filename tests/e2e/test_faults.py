"""Fault injection (localcloud/faults/): each callback path under each fault that applies to it loses nothing and
decides nothing twice. One test per cell of the README's fault matrix.

Each test adds rules through the cloud's /_localcloud/faults API, as `python -m localcloud faults add` does; the
`faults` fixture clears them after.
"""
import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.e2e.test_activities import activity_arn
from tests.e2e.test_iot_callback import WorkerProcess, get_job, start_job, wait_for_job
from tests.e2e.test_rds_snapshot import db_instance
from lambda_shared.tokens import token_fingerprint
from tests.support.cloud import start_calculation

# Lambda clients in the layer try a call 3 times (lambda_shared/aws.py): a fault must outlast them to reach the handler.
CLIENT_ATTEMPTS = 3
THROTTLED = {"error": "ThrottlingException", "message": "Rate exceeded"}
UNAVAILABLE = {"error": "ServiceUnavailable", "status": 503, "message": "Service unavailable"}
# Tenants of their own: a persistent session is one client id's, so no other module's worker may share it.
TENANT = "tenant5"


@pytest.fixture
def faults(cloud):
    url = f"{cloud.edge_url}/_localcloud/faults"

    def add(**rule) -> dict:
        answer = requests.post(url, json=rule, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()

    yield add
    requests.delete(url, timeout=10)


def injected(cloud) -> list[dict]:
    return requests.get(f"{cloud.edge_url}/_localcloud/faults", timeout=10).json()["injected"]


def injected_by(cloud, rule: dict) -> list[dict]:
    return [fault for fault in injected(cloud) if fault["rule"] == rule["id"]]


def events_of(cloud, arn: str, kind: str) -> list[dict]:
    return [event for event in cloud.history(arn) if event["type"] == kind]


# --- the API -------------------------------------------------------------------------------------------------------
def test_a_bad_rule_is_refused_with_what_is_wrong(cloud):
    answer = requests.post(f"{cloud.edge_url}/_localcloud/faults", json={"error": "ThrottlingException"}, timeout=10)
    assert answer.status_code == 400 and "service" in answer.json()["message"]
    answer = requests.post(f"{cloud.edge_url}/_localcloud/faults", json={"kind": "mqtt-drop", "function": "x"},
                           timeout=10)
    assert answer.status_code == 400 and "takes no function" in answer.json()["message"]


# --- approval decision: the approver's click (submitApproval, behind API Gateway) ----------------------------------
def press_button(link: str) -> requests.Response:
    query = parse_qs(urlparse(link).query)
    return requests.post(link.split("?")[0], data={"action": query["action"][0], "sig": query["sig"][0]}, timeout=60)


def approval_link(cloud) -> tuple[str, str]:
    started = start_calculation(cloud, {"x": 3, "y": 4})
    assert started.status_code == 200, started.text
    arn = started.json()["executionArn"]
    return arn, cloud.link(cloud.email_for_execution(arn), "Approve")


def assert_approved_once(cloud, arn: str) -> None:
    execution = cloud.wait_for_execution(arn)
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"])["decision"] == "approved"
    assert len(events_of(cloud, arn, "TaskSucceeded")) == 3     # Calculate, Double, Approval: each once


@pytest.mark.parametrize("error", [THROTTLED, UNAVAILABLE], ids=["throttled", "5xx"])
def test_an_approval_whose_callback_fails_is_delivered_by_the_next_click(cloud, faults, error):
    arn, link = approval_link(cloud)
    faults(service="states", operation="SendTaskSuccess", count=CLIENT_ATTEMPTS, **error)

    refused = press_button(link)

    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "30" and "Your decision is recorded" in refused.text
    assert cloud.describe(arn)["status"] == "RUNNING"
    assert [f["operation"] for f in injected(cloud)][-CLIENT_ATTEMPTS:] == ["SendTaskSuccess"] * CLIENT_ATTEMPTS

    delivered = press_button(link)

    assert delivered.status_code == 200 and "approved" in delivered.text
    assert_approved_once(cloud, arn)


@pytest.mark.parametrize("kind", ["lambda-kill", "lambda-timeout"])
def test_an_approval_click_whose_function_dies_is_delivered_by_the_next_click(cloud, faults, kind):
    arn, link = approval_link(cloud)
    rule = faults(kind=kind, function="submitApproval", count=1)

    died = press_button(link)

    assert died.status_code == 502, died.text                   # API Gateway: the function failed
    assert [f["error"] for f in injected_by(cloud, rule)] == [
        "Sandbox.Timedout" if kind == "lambda-timeout" else "Runtime.ExitError"]
    delivered = press_button(link)
    assert delivered.status_code == 200 and "approved" in delivered.text
    assert_approved_once(cloud, arn)


# --- third-party double callback: the third party's /double answers the Double task's token ---------------------
def doubled_run(cloud) -> str:
    started = start_calculation(cloud, {"x": 5, "y": 6})
    assert started.status_code == 200, started.text
    return started.json()["executionArn"]


def wait_for_approval_email(cloud, arn: str) -> dict:
    """The run reached Approval: Double is done. Its output is in the email's run; the execution waits."""
    return cloud.email_for_execution(arn, timeout=40)


def assert_doubled_once(cloud, arn: str) -> None:
    wait_for_approval_email(cloud, arn)
    double_results = [e for e in cloud.history(arn) if e["type"] == "TaskSucceeded"
                      and '"doubled"' in e["taskSucceededEventDetails"].get("output", "")]
    assert len(double_results) == 1 and json.loads(double_results[0]["taskSucceededEventDetails"]["output"])[
        "doubled"] == 22


@pytest.mark.parametrize("fault", [
    {"service": "states", "operation": "SendTaskSuccess", "count": CLIENT_ATTEMPTS, **THROTTLED},
    {"service": "states", "operation": "SendTaskSuccess", "count": CLIENT_ATTEMPTS, **UNAVAILABLE},
    {"kind": "lambda-kill", "function": "third-party-api-local-double", "count": 1},
    {"kind": "lambda-timeout", "function": "third-party-api-local-double", "count": 1},
], ids=["throttled", "5xx", "lambda-kill", "lambda-timeout"])
def test_a_double_callback_that_fails_is_retried_by_the_double_task_and_delivered_once(cloud, faults, fault):
    rule = faults(**fault)

    arn = doubled_run(cloud)

    assert_doubled_once(cloud, arn)
    assert injected_by(cloud, rule)
    # The third party answered 5xx (or API Gateway 502): ThirdPartyUnavailable, which the Double task retries.
    failed = events_of(cloud, arn, "TaskFailed")
    assert failed and all(e["taskFailedEventDetails"]["error"] == "ThirdPartyUnavailable" for e in failed)


# --- iot job result and progress over MQTT (worker -> tenants/<t>/results -> reportResult) ----------------------
@pytest.fixture(scope="module")
def worker(cloud):
    process = WorkerProcess(cloud, TENANT).start()
    # Warm: a cold start per function of the path must not eat the 10 s a result has after the last heartbeat.
    warm_up = start_job(cloud, TENANT, {"a": 1, "b": 1})
    assert cloud.wait_for_execution(warm_up["executionArn"], timeout=30)["status"] == "SUCCEEDED"
    yield process
    process.ensure_stopped()


def assert_job_succeeded_once(cloud, started: dict, result: int, timeout: float = 30) -> None:
    execution = cloud.wait_for_execution(started["executionArn"], timeout=timeout)
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"])["result"] == result
    assert len(events_of(cloud, started["executionArn"], "TaskSucceeded")) == 1
    assert get_job(cloud, started["jobId"])["result"] == result


@pytest.mark.parametrize("fault", [
    {"service": "states", "operation": "SendTaskSuccess", "count": CLIENT_ATTEMPTS, **THROTTLED},
    {"service": "states", "operation": "SendTaskSuccess", "count": CLIENT_ATTEMPTS, **UNAVAILABLE},
    {"kind": "lambda-kill", "function": "reportResult", "count": 1},
    {"kind": "lambda-timeout", "function": "reportResult", "count": 1},
    {"kind": "mqtt-delay", "topic": f"tenants/{TENANT}/results", "latency_ms": 1500, "count": 1},
], ids=["throttled", "5xx", "lambda-kill", "lambda-timeout", "mqtt-delay"])
def test_a_job_result_whose_delivery_fails_is_retried_and_delivered_once(cloud, faults, worker, fault):
    rule = faults(**fault)

    started = start_job(cloud, TENANT, {"a": 15, "b": 42})

    assert_job_succeeded_once(cloud, started, 57)
    assert injected_by(cloud, rule)


def test_a_result_recorded_by_an_invocation_that_timed_out_mid_callback_is_delivered_by_the_retry(
        cloud, faults, worker):
    # The first invocation records the result, then hangs in a slow SendTaskSuccess past its timeout.
    faults(service="states", operation="SendTaskSuccess", latency_ms=6000, count=1, **THROTTLED)
    timeout = faults(kind="lambda-timeout", function="reportResult", after_ms=3000, count=1)

    started = start_job(cloud, TENANT, {"a": 15, "b": 42})

    assert_job_succeeded_once(cloud, started, 57)
    assert injected_by(cloud, timeout)
    cloud.wait_for_log_line("recorded result not delivered yet", started["jobId"])


def test_a_dropped_job_result_ends_the_run_as_worker_lost_not_waiting_forever(cloud, faults, worker):
    rule = faults(kind="mqtt-drop", topic=f"tenants/{TENANT}/results", count=1)

    started = start_job(cloud, TENANT, {"a": 1, "b": 2})

    execution = cloud.wait_for_execution(started["executionArn"], timeout=40)
    assert (execution["status"], execution["error"]) == ("FAILED", "WorkerLost")
    assert [f["error"] for f in injected_by(cloud, rule)] == ["dropped"]
    assert not events_of(cloud, started["executionArn"], "TaskSucceeded")


def test_a_dropped_job_message_ends_the_run_as_worker_lost(cloud, faults, worker):
    rule = faults(kind="mqtt-drop", topic=f"tenants/{TENANT}/jobs", count=1)

    started = start_job(cloud, TENANT, {"a": 1, "b": 2})

    execution = cloud.wait_for_execution(started["executionArn"], timeout=40)
    assert (execution["status"], execution["error"]) == ("FAILED", "WorkerLost")
    assert injected_by(cloud, rule) and get_job(cloud, started["jobId"])["progress"] is None


def test_a_worker_disconnected_mid_job_reconnects_and_its_result_is_delivered_once(cloud, faults, worker):
    started = start_job(cloud, TENANT, {"a": 15, "b": 42, "seconds": 3})
    wait_for_job(cloud, started["jobId"], lambda j: j["progress"] is not None)

    rule = faults(kind="mqtt-disconnect", client_id=TENANT, count=1)

    assert_job_succeeded_once(cloud, started, 57)
    assert [f["error"] for f in injected_by(cloud, rule)] == ["disconnected"]


@pytest.mark.parametrize("fault", [
    {"kind": "mqtt-drop", "topic": f"tenants/{TENANT}/progress"},
    {"kind": "lambda-kill", "function": "reportProgress"},
    {"kind": "lambda-timeout", "function": "reportProgress"},
], ids=["mqtt-drop", "lambda-kill", "lambda-timeout"])
def test_lost_progress_changes_nothing_but_the_progress_shown(cloud, faults, worker, fault):
    rule = faults(**fault)

    started = start_job(cloud, TENANT, {"a": 15, "b": 42, "seconds": 1})

    assert_job_succeeded_once(cloud, started, 57)
    assert injected_by(cloud, rule)
    assert get_job(cloud, started["jobId"])["progress"]["percent"] == 100


# --- SQS order callback (the queue's consumer answers the PrepareOrder token) -------------------------------------
def start_order(cloud, body: dict) -> str:
    response = cloud.api("POST", "/queue-callback/orders", json=body)
    assert response.status_code == 200, response.text
    return response.json()["executionArn"]


def order_token(cloud, arn: str) -> str:
    sent = next(e for e in events_of(cloud, arn, "TaskScheduled")
                if e["taskScheduledEventDetails"]["resource"] == "sendMessage.waitForTaskToken")
    return json.loads(sent["taskScheduledEventDetails"]["parameters"])["MessageBody"]["TaskToken"]


def dead_letters(cloud) -> str:
    from tests.e2e.test_queue_callback import outputs
    return cloud.client("sqs").get_queue_attributes(QueueUrl=outputs(cloud)["OrdersDeadLetterQueueUrl"],
                                                    AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"]


@pytest.mark.parametrize("error", [THROTTLED, UNAVAILABLE], ids=["throttled", "5xx"])
def test_an_order_whose_callback_fails_comes_back_at_once_and_is_settled_once(cloud, faults, error):
    # PrepareOrder waits 5 s on stage local: a cold start and three throttled tries must not use them all up.
    assert cloud.wait_for_execution(start_order(cloud, {"item": "tea", "quantity": 1}))["status"] == "SUCCEEDED"
    rule = faults(service="states", operation="SendTaskSuccess", count=CLIENT_ATTEMPTS, **error)

    arn = start_order(cloud, {"item": "tea", "quantity": 1})

    execution = cloud.wait_for_execution(arn, timeout=40)
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"])["prepared"] is True
    assert len(injected_by(cloud, rule)) == CLIENT_ATTEMPTS
    assert dead_letters(cloud) == "0"


def test_an_order_whose_queue_send_fails_once_is_sent_again_and_settled_once(cloud, faults):
    # SendMessage is the engine's own call (sqs:sendMessage.waitForTaskToken): PrepareOrder's Retry sends again.
    rule = faults(service="sqs", operation="SendMessage", count=1, error="RequestThrottled", status=400,
                  message="Request is throttled.")

    arn = start_order(cloud, {"item": "tea", "quantity": 1})

    execution = cloud.wait_for_execution(arn, timeout=40)
    assert execution["status"] == "SUCCEEDED", (execution.get("error"), execution.get("cause"))
    assert len(injected_by(cloud, rule)) == 1
    assert [e["taskFailedEventDetails"]["error"] for e in events_of(cloud, arn, "TaskFailed")] == [
        "SQS.RequestThrottledException"]
    assert dead_letters(cloud) == "0"


@pytest.mark.parametrize("kind", ["lambda-kill", "lambda-timeout"])
def test_an_order_whose_consumer_dies_ends_as_order_timed_out_on_stage_local_and_is_not_settled_twice(
        cloud, faults, kind):
    # Stage local: the queue's 8 s VisibilityTimeout (at least the consumer's timeout) outlasts PrepareOrder's 5 s
    # TimeoutSeconds, so the redelivery comes after the task gave up (on AWS's values, 60 s and 300 s, it delivers).
    rule = faults(kind=kind, function="consumeOrders", count=1)

    arn = start_order(cloud, {"item": "tea", "quantity": 1})

    execution = cloud.wait_for_execution(arn, timeout=40)
    assert (execution["status"], execution.get("error")) == ("FAILED", "OrderTimedOut")
    assert injected_by(cloud, rule)
    # The redelivered message finds the task over: done with, neither settled again nor dead-lettered.
    cloud.wait_for_log_line("task already settled", token_fingerprint(order_token(cloud, arn)), timeout=30)
    assert [e["taskSucceededEventDetails"]["resource"] for e in events_of(cloud, arn, "TaskSucceeded")] == [
        "putItem"]
    assert dead_letters(cloud) == "0"


# --- RDS snapshot event (EventBridge -> snapshotEvent answers the parked token) -----------------------------------
@pytest.mark.parametrize("fault", [
    {"service": "states", "operation": "SendTaskSuccess", "count": CLIENT_ATTEMPTS, **THROTTLED},
    {"service": "states", "operation": "SendTaskSuccess", "count": CLIENT_ATTEMPTS, **UNAVAILABLE},
    {"kind": "lambda-kill", "function": "snapshotEvent", "count": 1},
    {"kind": "lambda-timeout", "function": "snapshotEvent", "count": 1},
], ids=["throttled", "5xx", "lambda-kill", "lambda-timeout"])
def test_a_snapshot_event_whose_handler_fails_is_retried_and_delivered_once(cloud, faults, fault):
    db = db_instance(cloud, seconds=1)
    kept_before = snapshot_events_kept(cloud)
    rule = faults(**fault)

    response = cloud.api("POST", "/rds-snapshot/snapshots/event-driven", json={"dbInstanceIdentifier": db})
    assert response.status_code == 200, response.text

    execution = cloud.wait_for_execution(response.json()["executionArn"], timeout=40)
    assert execution["status"] == "SUCCEEDED", execution
    snapshot = json.loads(execution["output"])["snapshot"]
    described = cloud.client("rds").describe_db_snapshots(DBSnapshotIdentifier=snapshot["dbSnapshotIdentifier"])
    assert described["DBSnapshots"][0]["DBInstanceIdentifier"] == db and snapshot["status"] == "available"
    assert len(injected_by(cloud, rule)) == fault["count"]
    assert snapshot_events_kept(cloud) == kept_before      # none given up on (the failure destination)


def snapshot_events_kept(cloud) -> str:
    from localcloud.serverless.services import read_env
    url = read_env()["stages"]["local"]["outputs"]["rds-snapshot"]["SnapshotEventFailuresQueueUrl"]
    return cloud.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"]


# --- activity worker (a process: GetActivityTask, heartbeats, SendTaskSuccess) ------------------------------------
@pytest.fixture
def activity_worker():
    """Starts `python -m workers.activity` when called: after the test's rule, so no long poll is already out."""
    import os
    import subprocess
    import sys

    from tests.e2e.conftest import EDGE, REPO

    started = []

    def start() -> None:
        process = subprocess.Popen([sys.executable, "-m", "workers.activity", "--endpoint", EDGE,
                                    "--activity-arn", activity_arn(), "--heartbeat-seconds", "0.5"],
                                   cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        started.append(process)
        assert "ready" in process.stdout.readline()

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=10)


# The worker's client tries a call 5 times (workers/activity/__main__.py).
WORKER_ATTEMPTS = 5


@pytest.mark.parametrize("fault", [
    {"service": "states", "operation": "SendTaskSuccess", "count": 1, **THROTTLED},
    {"service": "states", "operation": "SendTaskSuccess", "count": WORKER_ATTEMPTS + 1, **THROTTLED},
    {"service": "states", "operation": "SendTaskSuccess", "count": WORKER_ATTEMPTS + 1, **UNAVAILABLE},
    {"service": "states", "operation": "GetActivityTask", "count": WORKER_ATTEMPTS + 1, **UNAVAILABLE},
], ids=["answer-throttled-once", "answer-throttled-past-the-clients-tries", "answer-5xx-past-the-clients-tries",
        "poll-5xx-past-the-clients-tries"])
def test_an_activity_whose_calls_fail_is_settled_once(cloud, faults, activity_worker, fault):
    rule = faults(**fault)
    activity_worker()

    response = cloud.api("POST", "/queue-callback/orders/activity", json={"item": "tea", "quantity": 1})
    assert response.status_code == 200, response.text

    execution = cloud.wait_for_execution(response.json()["executionArn"], timeout=40)
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"])["prepared"] is True
    assert len(injected_by(cloud, rule)) == fault["count"]
