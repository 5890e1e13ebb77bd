"""iot-callback end to end: real mosquitto with mutual TLS, real worker processes, the state machine in the local cloud.

Tenants have roles so the tests do not share a persistent session: tenant2 runs the long-lived worker, tenant3's
worker is killed, tenant4's worker goes offline, tenant1 has no worker (its certificate probes the ACLs).
"""
import json
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.e2e.conftest import OUTPUT, REPO

CERTS = REPO / ".localcloud" / "mqtt" / "certs"
MQTT_HOST = "127.0.0.1"


class WorkerProcess:
    """`python -m workers.onprem --tenant <t>` as a user starts it; ready once its log says it subscribed."""

    def __init__(self, cloud, tenant: str):
        self.tenant = tenant
        self.port = cloud.mqtt_port
        self.log_path = OUTPUT / f"worker-{tenant}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> "WorkerProcess":
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "workers.onprem", "--tenant", self.tenant,
                                             "--port", str(self.port)],
                                            cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while "ready: waiting for jobs" not in self.log_path.read_text()[offset:]:
            if self.process.poll() is not None:
                pytest.fail(f"worker {self.tenant} exited: {self.log_path.read_text()[offset:][-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"worker {self.tenant} not ready within {timeout}s")
            time.sleep(0.05)
        return self

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def ensure_stopped(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def tenant2_worker(cloud):
    worker = WorkerProcess(cloud, "tenant2").start()
    yield worker
    worker.ensure_stopped()


def start_job(cloud, tenant: str, job_input: dict) -> dict:
    response = cloud.api("POST", "/iot-callback/jobs", json={"tenant": tenant, "input": job_input})
    assert response.status_code == 202, response.text
    return response.json()


def get_job(cloud, job_id: str) -> dict:
    response = cloud.api("GET", f"/iot-callback/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_job(cloud, job_id: str, predicate, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(cloud, job_id)
        if predicate(job):
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} never reached the expected state; last seen: {job}")
        time.sleep(0.05)


def wait_for_log_line(cloud, *fragments: str, timeout: float = 20) -> None:
    """Wait for a line of the local cloud's log holding every fragment (a Lambda's JSON log line, say)."""
    deadline = time.monotonic() + timeout
    while not any(all(f in line for f in fragments)
                  for line in cloud.log_path.read_text(errors="replace").splitlines()):
        if time.monotonic() > deadline:
            pytest.fail(f"the local cloud never logged a line with {fragments!r}")
        time.sleep(0.05)


def publish_as_aws(cloud, topic: str, message: dict) -> None:
    """The IoT data plane at the AWS endpoint, as a Lambda (or an operator with IAM credentials) publishes."""
    cloud.client("iot-data").publish(topic=topic, qos=1, payload=json.dumps(message).encode())


def mqtt_client(identity: str) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{identity}-probe", protocol=mqtt.MQTTv5)
    client.tls_set(ca_certs=str(CERTS / "ca.crt"), certfile=str(CERTS / f"{identity}.crt"),
                   keyfile=str(CERTS / f"{identity}.key"))
    return client


# --- the job ---------------------------------------------------------------------------------------------------------
def test_given_a_worker_when_15_and_42_are_posted_then_the_execution_succeeds_with_57(cloud, tenant2_worker):
    started = start_job(cloud, "tenant2", {"a": 15, "b": 42})

    execution = cloud.wait_for_execution(started["executionArn"], timeout=30)

    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"]) == {"jobId": started["jobId"], "tenant": "tenant2", "result": 57}
    job = get_job(cloud, started["jobId"])
    assert job["status"] == "succeeded" and job["result"] == 57


def test_given_the_job_raises_when_it_runs_then_the_execution_fails_with_the_workers_error(cloud, tenant2_worker):
    started = start_job(cloud, "tenant2", {"a": 15, "b": "forty-two"})

    execution = cloud.wait_for_execution(started["executionArn"], timeout=30)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "WorkerFailed"
    assert execution["cause"] == "TypeError: a and b must be numbers, got int and str"
    assert "WorkerFailed" in cloud.states_entered(started["executionArn"])
    job = get_job(cloud, started["jobId"])
    assert job["status"] == "failed" and "result" not in job
    assert job["error"] == {"type": "WorkerFailed", "message": "TypeError: a and b must be numbers, got int and str"}


def test_while_a_job_runs_its_progress_is_visible_through_get_job(cloud, tenant2_worker):
    started = start_job(cloud, "tenant2", {"a": 1, "b": 2, "seconds": 2})

    running = wait_for_job(cloud, started["jobId"], lambda j: j["progress"] and j["progress"]["percent"] < 100)

    assert running["status"] == "running"
    assert 0 <= running["progress"]["percent"] < 100 and running["progress"]["message"].startswith("adding")
    assert running["progress"]["at"]
    assert cloud.wait_for_execution(started["executionArn"], timeout=30)["status"] == "SUCCEEDED"
    done = get_job(cloud, started["jobId"])
    assert done["progress"]["percent"] == 100 and done["result"] == 3


def test_when_a_running_job_is_cancelled_then_the_worker_stops_it_and_the_execution_ends_cancelled(
        cloud, tenant2_worker):
    started = start_job(cloud, "tenant2", {"a": 1, "b": 2, "seconds": 30})
    wait_for_job(cloud, started["jobId"], lambda j: j["progress"] is not None)

    response = cloud.api("POST", f"/iot-callback/jobs/{started['jobId']}/cancel")

    assert response.status_code == 202, response.text
    execution = cloud.wait_for_execution(started["executionArn"], timeout=20)
    assert execution["status"] == "FAILED" and execution["error"] == "Cancelled"
    assert "Cancelled" in cloud.states_entered(started["executionArn"])
    assert get_job(cloud, started["jobId"])["status"] == "cancelled"
    again = cloud.api("POST", f"/iot-callback/jobs/{started['jobId']}/cancel")
    assert again.status_code == 409


def test_given_a_finished_job_when_its_result_arrives_again_then_nothing_changes(cloud, tenant2_worker):
    started = start_job(cloud, "tenant2", {"a": 15, "b": 42})
    assert cloud.wait_for_execution(started["executionArn"], timeout=30)["status"] == "SUCCEEDED"

    publish_as_aws(cloud, "tenants/tenant2/results", {"jobId": started["jobId"], "status": "succeeded", "result": 999})
    wait_for_log_line(cloud, "duplicate result ignored", started["jobId"])

    execution = cloud.describe(started["executionArn"])
    assert execution["status"] == "SUCCEEDED" and json.loads(execution["output"])["result"] == 57
    assert get_job(cloud, started["jobId"])["result"] == 57


def test_given_a_waiting_job_when_its_result_arrives_twice_at_once_then_the_first_one_counts(cloud):
    started = start_job(cloud, "tenant1", {"a": 15, "b": 42})   # tenant1 has no worker: the test plays it
    wait_for_job(cloud, started["jobId"], lambda j: j["status"] == "dispatched")

    report = {"jobId": started["jobId"], "status": "succeeded", "result": 57}
    publish_as_aws(cloud, "tenants/tenant1/results", report)
    publish_as_aws(cloud, "tenants/tenant1/results", report)
    publish_as_aws(cloud, "tenants/tenant1/results", {**report, "result": 999})

    execution = cloud.wait_for_execution(started["executionArn"], timeout=20)
    assert execution["status"] == "SUCCEEDED" and json.loads(execution["output"])["result"] == 57
    wait_for_log_line(cloud, "duplicate result ignored", started["jobId"])
    assert get_job(cloud, started["jobId"])["result"] == 57


def test_given_a_finished_job_when_a_late_progress_message_arrives_then_it_still_shows_100_percent(cloud):
    started = start_job(cloud, "tenant1", {"a": 1, "b": 2})   # tenant1 has no worker: the test plays it
    job_id = started["jobId"]
    wait_for_job(cloud, job_id, lambda j: j["status"] == "dispatched")
    publish_as_aws(cloud, "tenants/tenant1/progress", {"jobId": job_id, "seq": 1, "percent": 50, "message": "half"})
    wait_for_job(cloud, job_id, lambda j: j["progress"] and j["progress"]["percent"] == 50)

    publish_as_aws(cloud, "tenants/tenant1/results", {"jobId": job_id, "status": "succeeded", "result": 3})
    assert cloud.wait_for_execution(started["executionArn"], timeout=20)["status"] == "SUCCEEDED"
    # The last progress message overtaken by the result, as separate rules and invocations allow.
    publish_as_aws(cloud, "tenants/tenant1/progress", {"jobId": job_id, "seq": 2, "percent": 87.5,
                                                       "message": "adding, step 7 of 8"})
    wait_for_log_line(cloud, "progress ignored", job_id)

    job = get_job(cloud, job_id)
    assert job["status"] == "succeeded" and job["result"] == 3
    assert job["progress"]["percent"] == 100 and job["progress"]["message"] == "done"


# --- failures of the worker itself --------------------------------------------------------------------------------
def test_given_a_worker_killed_mid_job_then_the_execution_fails_as_worker_lost_by_heartbeat_timeout(cloud):
    worker = WorkerProcess(cloud, "tenant3").start()
    try:
        started = start_job(cloud, "tenant3", {"a": 1, "b": 2, "seconds": 50})
        wait_for_job(cloud, started["jobId"], lambda j: j["progress"] is not None)

        worker.kill()

        execution = cloud.wait_for_execution(started["executionArn"], timeout=40)
    finally:
        worker.ensure_stopped()
    assert execution["status"] == "FAILED"
    assert execution["error"] == "WorkerLost"
    states = cloud.states_entered(started["executionArn"])
    assert "WorkerLost" in states and "JobTimedOut" not in states
    timed_out = [e for e in cloud.history(started["executionArn"]) if e["type"] == "TaskTimedOut"]
    assert timed_out and timed_out[0]["taskTimedOutEventDetails"]["error"] == "States.HeartbeatTimeout"


def test_given_the_worker_is_offline_when_a_job_is_published_then_it_runs_once_the_worker_is_back(cloud):
    worker = WorkerProcess(cloud, "tenant4").start()   # its persistent session subscribes, then it goes away
    assert worker.stop() == 0
    try:
        started = start_job(cloud, "tenant4", {"a": 15, "b": 42})
        wait_for_job(cloud, started["jobId"], lambda j: j["status"] == "dispatched")

        worker.start()

        execution = cloud.wait_for_execution(started["executionArn"], timeout=30)
    finally:
        worker.ensure_stopped()
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"])["result"] == 57


# --- the broker's security ------------------------------------------------------------------------------------------
def test_tenant1s_certificate_cannot_receive_or_publish_on_tenant2s_topics(cloud):
    client = mqtt_client("tenant1")
    received, subscribed, acks = [], threading.Event(), {}
    own_probe_arrived = threading.Event()

    def on_message(_c, _u, message):
        received.append(message.topic)
        if message.topic == "tenants/tenant1/control":
            own_probe_arrived.set()

    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_publish = lambda _c, _u, mid, reason_code, _p: acks.__setitem__(mid, reason_code)
    client.connect(MQTT_HOST, cloud.mqtt_port)
    client.loop_start()
    try:
        client.subscribe([("tenants/tenant2/control", 1), ("tenants/tenant2/jobs", 1), ("tenants/tenant1/control", 1)])
        assert subscribed.wait(10)
        # Same publisher, QoS 1: the broker keeps their order, so tenant2's probe would arrive before tenant1's.
        publish_as_aws(cloud, "tenants/tenant2/control", {"jobId": "acl-probe", "action": "noop"})
        publish_as_aws(cloud, "tenants/tenant1/control", {"jobId": "acl-probe", "action": "noop"})
        assert own_probe_arrived.wait(10)
        assert received == ["tenants/tenant1/control"]

        foreign = [client.publish(f"tenants/tenant2/{channel}", b'{"jobId": "x"}', qos=1)
                   for channel in ("results", "heartbeat", "progress", "jobs")]
        own = client.publish("tenants/tenant1/progress", b'{"jobId": "x", "percent": 1}', qos=1)
        for info in [*foreign, own]:
            info.wait_for_publish(timeout=10)
        assert all(acks[info.mid].getName() == "Not authorized" for info in foreign), acks
        assert acks[own.mid].getName() == "Success"
    finally:
        client.disconnect()
        client.loop_stop()


def test_a_client_without_a_certificate_cannot_connect(cloud):
    context = ssl.create_default_context(cafile=str(CERTS / "ca.crt"))
    connect_packet = bytes([0x10, 18, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 30, 0, 6]) + b"nocert"
    with socket.create_connection((MQTT_HOST, cloud.mqtt_port), timeout=10) as raw:
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(connect_packet)
                answer = tls.recv(4)
                # TLS 1.3 reports the refused client certificate only at the first read: EOF, never a CONNACK.
                assert answer == b"", f"the broker answered {answer!r}"
                raise ConnectionResetError("closed without a CONNACK")
