"""The pull model through the local cloud: no worker process runs; the scheduled pollOrderActivity Lambda (rate(1
second) on stage local) takes the pull activity's task, prepares the order and answers."""
from tests.e2e.conftest import Cloud

PULL = "/queue-callback/orders/pull"


def start(cloud: Cloud, body: dict) -> str:
    response = cloud.api("POST", PULL, json=body)
    assert response.status_code == 200, response.text
    return response.json()["executionArn"]


def test_given_no_worker_process_when_an_order_is_started_then_the_scheduled_lambda_completes_it(cloud):
    execution = cloud.wait_for_execution(start(cloud, {"item": "tea", "quantity": 3}))

    assert execution["status"] == "SUCCEEDED", execution
    assert '"prepared": true' in execution["output"] and '"quantity": 3' in execution["output"]
    started = [e for e in cloud.history(execution["executionArn"]) if e["type"] == "ActivityStarted"]
    assert started and started[0]["activityStartedEventDetails"]["workerName"].startswith("lambda-")


def test_given_an_order_that_cannot_be_prepared_then_the_execution_fails_with_order_rejected(cloud):
    execution = cloud.wait_for_execution(start(cloud, {"item": "tea", "quantity": 500}))

    assert (execution["status"], execution.get("error")) == ("FAILED", "OrderRejected")
    assert "quantity must be between 1 and 100" in execution.get("cause", "")


def test_given_slow_work_then_the_scheduled_lambda_heartbeats_past_heartbeat_seconds(cloud):
    # activityHeartbeatSeconds is 3 on stage local: 5 s of work only succeed if the Lambda heartbeats meanwhile
    execution = cloud.wait_for_execution(start(cloud, {"item": "tea", "quantity": 1, "workSeconds": 5}))

    assert execution["status"] == "SUCCEEDED", execution
