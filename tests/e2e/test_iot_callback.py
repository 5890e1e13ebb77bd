"""iot-callback end to end: real worker processes through the local AWS IoT Core (the IoT gateway enforcing the IoT
policies, mosquitto behind it), the state machine in the local cloud.

Every tenant is onboarded as an operator onboards it on AWS, with `python -m workers.onprem.onboard` (a certificate
from CreateKeysAndCertificate, a thing named as the tenant attached to it, the template's TenantWorkerPolicy
attached to it). Tenants have roles so the tests do not share a persistent session: tenant2 runs the long-lived
worker, tenant3's worker is killed, tenant4's worker goes offline, tenant1 has no worker (its certificate probes the
policies).
"""
import hashlib
import json
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from paho.mqtt.enums import CallbackAPIVersion

from tests.e2e.conftest import OUTPUT, REPO

CA_FILE = REPO / ".localcloud" / "mqtt" / "certs" / "ca.crt"
TENANT_CERTS = OUTPUT / "tenants"
MQTT_HOST = "127.0.0.1"
_onboarded: dict[str, tuple[Path, Path]] = {}


def aws_environment(cloud) -> dict[str, str]:
    """What an operator's shell holds to run the AWS CLI or boto3 against the local cloud."""
    return {**os.environ, "AWS_ENDPOINT_URL": cloud.edge_url, "AWS_ACCESS_KEY_ID": "e2e",
            "AWS_SECRET_ACCESS_KEY": "e2e", "AWS_DEFAULT_REGION": "us-east-1"}


def run_onboard(cloud, tenant: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workers.onprem.onboard", "--tenant", tenant,
                           "--out", str(TENANT_CERTS), *args], cwd=REPO, env=aws_environment(cloud),
                          capture_output=True, text=True, timeout=60)


def onboard(cloud, tenant: str) -> tuple[Path, Path]:
    """The tenant's certificate and key, onboarded once per run of the local cloud by the operator's command."""
    if tenant not in _onboarded:
        done = run_onboard(cloud, tenant)
        assert done.returncode == 0, done.stderr
        _onboarded[tenant] = (TENANT_CERTS / f"{tenant}.crt", TENANT_CERTS / f"{tenant}.key")
    return _onboarded[tenant]


def certificate_id(cert_file: Path) -> str:
    """AWS IoT's id of a certificate: the SHA-256 of its DER."""
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(cert_file.read_text())).hexdigest()


class WorkerProcess:
    """`python -m workers.onprem --tenant <t>` as a user starts it; ready once its log says it subscribed."""

    def __init__(self, cloud, tenant: str, *options: str):
        self.tenant, self.options = tenant, options
        self.port = cloud.mqtt_port
        self.cert, self.key = onboard(cloud, tenant)
        self.log_path = OUTPUT / f"worker-{tenant}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> "WorkerProcess":
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "workers.onprem", "--tenant", self.tenant,
                                             "--port", str(self.port), "--cert", str(self.cert),
                                             "--key", str(self.key), *self.options],
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


# --- the job ---------------------------------------------------------------------------------------------------------
def test_given_a_worker_when_15_and_42_are_posted_then_the_execution_succeeds_with_57(cloud, tenant2_worker):
    started = start_job(cloud, "tenant2", {"a": 15, "b": 42})

    execution = cloud.wait_for_execution(started["executionArn"], timeout=30)

    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"]) == {"jobId": started["jobId"], "tenant": "tenant2", "result": 57}
    job = get_job(cloud, started["jobId"])
    assert job["status"] == "succeeded" and job["result"] == 57


def test_given_a_job_posted_with_an_idempotency_key_when_it_is_posted_again_then_no_second_job_starts(cloud):
    key = {"Idempotency-Key": f"e2e-{time.time_ns()}"}
    body = {"tenant": "tenant-idem", "input": {"a": 1, "b": 2}}

    first = cloud.api("POST", "/iot-callback/jobs", json=body, headers=key)
    again = cloud.api("POST", "/iot-callback/jobs", json=body, headers=key)
    other = cloud.api("POST", "/iot-callback/jobs", json={**body, "input": {"a": 3, "b": 4}}, headers=key)

    assert (first.status_code, again.status_code, other.status_code) == (202, 202, 422), other.text
    assert again.json() == first.json()
    machine = first.json()["executionArn"].split(":execution:")[1].split(":")[0]
    runs = cloud.client("stepfunctions").list_executions(
        stateMachineArn=f"arn:aws:states:us-east-1:123456789012:stateMachine:{machine}")["executions"]
    ours = [run for run in runs if json.loads(cloud.describe(run["executionArn"])["input"])["tenant"] == "tenant-idem"]
    assert [run["executionArn"] for run in ours] == [first.json()["executionArn"]]


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


def test_given_a_worker_stopped_mid_job_then_the_execution_fails_as_the_workers_not_as_a_cancel(cloud):
    worker = WorkerProcess(cloud, "tenant3", "--shutdown-grace", "0.5").start()
    try:
        started = start_job(cloud, "tenant3", {"a": 1, "b": 2, "seconds": 30})
        wait_for_job(cloud, started["jobId"], lambda j: j["progress"] is not None)

        assert worker.stop() == 0    # SIGTERM: the job outlives the grace period

        execution = cloud.wait_for_execution(started["executionArn"], timeout=30)
    finally:
        worker.ensure_stopped()
    assert (execution["status"], execution["error"]) == ("FAILED", "WorkerFailed")
    assert execution["cause"] == f"WorkerStopped: the worker stopped before job {started['jobId']} finished"
    assert "Cancelled" not in cloud.states_entered(started["executionArn"])


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



# --- onboarding, as an operator does it on AWS ---------------------------------------------------------------------
def test_a_tenant_is_onboarded_by_the_operators_four_steps(cloud):
    cert_file, key_file = onboard(cloud, "tenant1")

    iot = cloud.client("iot")
    described = iot.describe_certificate(certificateId=certificate_id(cert_file))["certificateDescription"]
    assert described["status"] == "ACTIVE"
    assert described["certificateArn"] in iot.list_thing_principals(thingName="tenant1")["principals"]
    policy_name = json.loads((REPO / "env.json").read_text())["stages"]["local"]["outputs"]["iot-callback"][
        "TenantWorkerPolicyName"]
    attached = iot.list_attached_policies(target=described["certificateArn"])["policies"]
    assert [p["policyName"] for p in attached] == [policy_name] == ["waitflows-tenant-worker-local"]
    # The certificate names no tenant, as on AWS: the thing attached to it does.
    subject = x509.load_pem_x509_certificate(cert_file.read_bytes()).subject
    assert subject.rfc4514_string() == "CN=AWS IoT Certificate"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_given_a_registered_certificate_when_onboarding_unless_registered_then_nothing_new_is_made(cloud):
    cert_file, _ = onboard(cloud, "tenant1")
    before = cert_file.read_text()

    done = run_onboard(cloud, "tenant1", "--unless-registered")

    assert done.returncode == 0 and "nothing to do" in done.stdout, done.stderr
    assert cert_file.read_text() == before


# --- the IoT gateway: the tenant policy, enforced as AWS IoT Core enforces it ------------------------------------------
def raw_connect(cloud, cert: Path, key: Path, client_id: str, level: int = 4) -> tuple[bytes, bool]:
    """One CONNECT over mutual TLS, written byte by byte (MQTT 3.1.1 or 5, clean session): what came back, and
    whether the gateway then closed the connection (an open one is left after a second of silence)."""
    context = ssl.create_default_context(cafile=str(CA_FILE))
    context.load_cert_chain(str(cert), str(key))
    encoded_id = client_id.encode()
    body = (struct.pack("!H", 4) + b"MQTT" + bytes([level, 0x02]) + struct.pack("!H", 30)
            + (b"\x00" if level == 5 else b"") + struct.pack("!H", len(encoded_id)) + encoded_id)
    answer = b""
    with socket.create_connection((MQTT_HOST, cloud.mqtt_port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(bytes([0x10, len(body)]) + body)
                while True:
                    tls.settimeout(1 if answer else 10)
                    chunk = tls.recv(64)
                    if not chunk:
                        return answer, True
                    answer += chunk
        except (TimeoutError, socket.timeout):
            return answer, False
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            return answer, True


class Device:
    """A device with a tenant's certificate (paho, as the worker), recording what the gateway does to it."""

    def __init__(self, cloud, cert: Path, key: Path, client_id: str, protocol=mqtt.MQTTv311):
        self.port = cloud.mqtt_port
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol)
        self.client.tls_set(ca_certs=str(CA_FILE), certfile=str(cert), keyfile=str(key))
        self.client.reconnect_delay_set(min_delay=60, max_delay=60)    # a closed connection stays closed
        self.connected, self.disconnected, self.arrived = threading.Event(), threading.Event(), threading.Event()
        self.disconnect_reason = None
        self.subacks: dict[int, list[str]] = {}
        self.acks: dict[int, str] = {}
        self.received: list[str] = []
        self.client.on_connect = lambda *_: self.connected.set()
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = lambda _c, _u, mid, codes, _p: self.subacks.__setitem__(mid, [str(c) for c in codes])
        self.client.on_publish = lambda _c, _u, mid, code, _p: self.acks.__setitem__(mid, str(code))
        self.client.on_message = self._on_message

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.disconnect_reason = str(reason_code)
        self.disconnected.set()

    def _on_message(self, client, userdata, message):
        self.received.append(message.topic)
        self.arrived.set()

    def __enter__(self) -> "Device":
        self.client.connect(MQTT_HOST, self.port)
        self.client.loop_start()
        assert self.connected.wait(10), "the gateway did not accept the connection"
        return self

    def __exit__(self, *_):
        self.client.disconnect()
        self.client.loop_stop()

    def subscribe(self, topic_filter: str, qos: int = 1) -> int:
        return self.client.subscribe(topic_filter, qos)[1]

    def publish(self, topic: str, payload: bytes = b'{"jobId": "probe"}', qos: int = 1) -> int:
        return self.client.publish(topic, payload, qos=qos).mid

    def wait_for(self, found, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while not found():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


def test_the_tenants_certificate_connects_with_its_thing_name_as_client_id(cloud):
    cert, key = onboard(cloud, "tenant1")

    answer, closed = raw_connect(cloud, cert, key, "tenant1")

    assert answer == bytes([0x20, 2, 0, 0]) and not closed


def test_a_client_id_other_than_the_thing_name_cannot_connect(cloud):
    cert, key = onboard(cloud, "tenant1")
    onboard(cloud, "tenant2")

    assert raw_connect(cloud, cert, key, "tenant1-probe") == (b"", True)     # MQTT 3.1.1: closed, no CONNACK
    assert raw_connect(cloud, cert, key, "tenant2") == (b"", True)           # a thing, but not tenant1's
    assert raw_connect(cloud, cert, key, "tenant1-probe", level=5) == (bytes([0x20, 3, 0, 0x87, 0]), True)


def test_tenant1s_certificate_subscribing_to_tenant2s_topics_has_its_connection_closed(cloud):
    with Device(cloud, *onboard(cloud, "tenant1"), "tenant1") as device:
        mid = device.subscribe("tenants/tenant2/jobs")

        assert device.disconnected.wait(10)
        assert mid not in device.subacks


def test_over_mqtt5_a_subscribe_outside_the_policy_ends_the_connection_as_not_authorized(cloud):
    with Device(cloud, *onboard(cloud, "tenant1"), "tenant1", protocol=mqtt.MQTTv5) as device:
        device.subscribe("tenants/tenant2/control")

        assert device.disconnected.wait(10)
        assert device.disconnect_reason == "Not authorized"


def test_publishing_on_another_tenants_topic_closes_the_connection(cloud):
    with Device(cloud, *onboard(cloud, "tenant1"), "tenant1") as device:
        mid = device.publish("tenants/tenant2/results")

        assert device.disconnected.wait(10)
        assert mid not in device.acks


def test_the_tenant_subscribes_receives_and_publishes_on_its_own_topics(cloud):
    with Device(cloud, *onboard(cloud, "tenant1"), "tenant1") as device:
        subscribed = device.subscribe("tenants/tenant1/control")
        assert device.wait_for(lambda: subscribed in device.subacks)
        assert device.subacks[subscribed] == ["Granted QoS 1"]

        publish_as_aws(cloud, "tenants/tenant1/control", {"jobId": "probe", "action": "noop"})
        published = device.publish("tenants/tenant1/progress", b'{"jobId": "probe", "seq": 1, "percent": 1}')

        assert device.arrived.wait(10) and device.received == ["tenants/tenant1/control"]
        assert device.wait_for(lambda: published in device.acks) and device.acks[published] == "Success"
        assert not device.disconnected.is_set()


def test_a_delivery_the_policy_does_not_allow_is_not_delivered(cloud):
    # Given a listener whose policy lets it subscribe to every tenant's control but receive only its own
    arn = "arn:aws:iot:us-east-1:123456789012"
    thing = "${iot:Connection.Thing.ThingName}"
    cloud.client("iot").create_policy(policyName="e2e-control-listener", policyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/{thing}"},
            {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": f"{arn}:topicfilter/tenants/*/control"},
            {"Effect": "Allow", "Action": "iot:Receive", "Resource": f"{arn}:topic/tenants/{thing}/control"}]}))
    done = run_onboard(cloud, "listener", "--policy-name", "e2e-control-listener")
    assert done.returncode == 0, done.stderr
    with Device(cloud, TENANT_CERTS / "listener.crt", TENANT_CERTS / "listener.key", "listener") as device:
        subscribed = device.subscribe("tenants/+/control")
        assert device.wait_for(lambda: subscribed in device.subacks)

        # When more of tenant9's control messages are published than the broker keeps in flight to one client (20),
        # then the listener's own (QoS 1, same publisher: in order)
        for _ in range(25):
            publish_as_aws(cloud, "tenants/tenant9/control", {"jobId": "probe", "action": "noop"})
        publish_as_aws(cloud, "tenants/listener/control", {"jobId": "probe", "action": "noop"})

        # Then only its own arrives (the gateway acknowledged the others to the broker), and the connection stays up
        assert device.arrived.wait(10)
        time.sleep(0.2)
        assert device.received == ["tenants/listener/control"] and not device.disconnected.is_set()


def test_qos_2_is_not_acknowledged_and_the_connection_stays_up(cloud):
    with Device(cloud, *onboard(cloud, "tenant1"), "tenant1") as device:
        at_qos_2 = device.publish("tenants/tenant1/progress", qos=2)
        subscribed_at_qos_2 = device.subscribe("tenants/tenant1/jobs", qos=2)

        assert not device.wait_for(lambda: at_qos_2 in device.acks or subscribed_at_qos_2 in device.subacks, 2)
        at_qos_1 = device.publish("tenants/tenant1/progress", qos=1)
        assert device.wait_for(lambda: at_qos_1 in device.acks) and not device.disconnected.is_set()


def test_a_129_kb_payload_ends_the_connection(cloud):
    with Device(cloud, *onboard(cloud, "tenant1"), "tenant1") as device:
        mid = device.publish("tenants/tenant1/progress", b"x" * (129 * 1024))

        assert device.disconnected.wait(10)
        assert mid not in device.acks


def test_a_certificate_made_inactive_or_deleted_cannot_connect(cloud):
    cert, key = onboard(cloud, "retired")
    iot, certificate = cloud.client("iot"), certificate_id(cert)
    arn = iot.describe_certificate(certificateId=certificate)["certificateDescription"]["certificateArn"]
    assert raw_connect(cloud, cert, key, "retired")[0] == bytes([0x20, 2, 0, 0])

    iot.update_certificate(certificateId=certificate, newStatus="INACTIVE")
    assert raw_connect(cloud, cert, key, "retired") == (b"", True)

    for policy in iot.list_attached_policies(target=arn)["policies"]:
        iot.detach_policy(policyName=policy["policyName"], target=arn)
    iot.detach_thing_principal(thingName="retired", principal=arn)
    iot.delete_certificate(certificateId=certificate)
    assert raw_connect(cloud, cert, key, "retired") == (b"", True)


def test_a_policy_detached_or_attached_counts_from_the_next_connect(cloud):
    cert, key = onboard(cloud, "latecomer")
    iot = cloud.client("iot")
    arn = iot.describe_certificate(certificateId=certificate_id(cert))["certificateDescription"]["certificateArn"]
    (policy,) = iot.list_attached_policies(target=arn)["policies"]

    iot.detach_policy(policyName=policy["policyName"], target=arn)
    assert raw_connect(cloud, cert, key, "latecomer") == (b"", True)

    iot.attach_policy(policyName=policy["policyName"], target=arn)
    assert raw_connect(cloud, cert, key, "latecomer")[0] == bytes([0x20, 2, 0, 0])


def test_a_client_without_a_certificate_cannot_connect(cloud):
    context = ssl.create_default_context(cafile=str(CA_FILE))
    connect_packet = bytes([0x10, 18, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 30, 0, 6]) + b"nocert"
    with socket.create_connection((MQTT_HOST, cloud.mqtt_port), timeout=10) as raw:
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(connect_packet)
                answer = tls.recv(4)
                # TLS 1.3 reports the refused client certificate only at the first read: EOF, never a CONNACK.
                assert answer == b"", f"the broker answered {answer!r}"
                raise ConnectionResetError("closed without a CONNACK")
