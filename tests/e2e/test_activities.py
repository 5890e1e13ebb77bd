"""Activities through the local cloud: real worker processes (python -m workers.activity) long-polling the edge."""
import os
import signal
import subprocess
import sys

import pytest

from tests.e2e.conftest import EDGE, REPO, Cloud

ACTIVITY = "/queue-callback/orders/activity"


def activity_arn() -> str:
    from localcloud.serverless.services import read_env
    return read_env()["stages"]["local"]["outputs"]["queue-callback"]["OrderActivityArn"]


@pytest.fixture
def worker():
    started = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "workers.activity", "--endpoint", EDGE,
                                    "--activity-arn", activity_arn(), "--heartbeat-seconds", "0.5"],
                                   cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert "ready" in process.stdout.readline()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def start(cloud: Cloud, body: dict) -> str:
    response = cloud.api("POST", ACTIVITY, json=body)
    assert response.status_code == 200, response.text
    return response.json()["executionArn"]


def test_worker_takes_the_task_and_reports_success(cloud, worker):
    worker()
    execution = cloud.wait_for_execution(start(cloud, {"item": "tea", "quantity": 3}))
    assert execution["status"] == "SUCCEEDED", execution
    assert '"prepared": true' in execution["output"]


def test_worker_reports_a_rejected_order_as_failure(cloud, worker):
    worker()
    execution = cloud.wait_for_execution(start(cloud, {"item": "tea", "quantity": 500}))
    assert (execution["status"], execution.get("error")) == ("FAILED", "OrderRejected")


def test_killed_worker_is_noticed_by_heartbeat_timeout(cloud, worker):
    # Given a worker busy with a long order (it heartbeats every 0.5 s)
    process = worker()
    arn = start(cloud, {"item": "tea", "quantity": 1, "workSeconds": 15})
    while not any(e["type"] == "ActivityStarted" for e in cloud.history(arn)):
        assert cloud.describe(arn)["status"] == "RUNNING"
    # When the worker process dies without a word
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    # Then the task fails by heartbeat timeout, long before its 30 s TimeoutSeconds
    execution = cloud.wait_for_execution(arn, timeout=20)
    assert (execution["status"], execution.get("error")) == ("FAILED", "WorkerLost")
