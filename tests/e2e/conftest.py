"""e2e tier: the local cloud runs as `make local` runs it (python -m localcloud, a real subprocess), and the tests
use only its public surfaces: its API Gateway, its AWS endpoint, the mailbox, MQTT.

It listens on free ports picked here (not 4566/3000/8883), so `make test` works while a `make local` is running.
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Chosen once per test process (this module may be imported under two names), kept where worker programs see them.
for _name in ("LOCALCLOUD_E2E_EDGE_PORT", "LOCALCLOUD_E2E_API_PORT", "LOCALCLOUD_E2E_MQTT_PORT"):
    os.environ.setdefault(_name, str(_free_port()))
EDGE_PORT, API_PORT, MQTT_PORT = (int(os.environ[f"LOCALCLOUD_E2E_{n}_PORT"]) for n in ("EDGE", "API", "MQTT"))
EDGE, API = f"http://127.0.0.1:{EDGE_PORT}", f"http://127.0.0.1:{API_PORT}"
# Tests and the worker programs they start read these, like a user's shell would.
os.environ["LOCALCLOUD_EDGE_URL"] = EDGE
os.environ["LOCALCLOUD_MQTT_PORT"] = str(MQTT_PORT)


class Cloud:
    """What a user of the local cloud has: URLs, boto3 clients at the edge, the mailbox, the executions."""

    edge_url, api_url, mqtt_port = EDGE, API, MQTT_PORT

    def __init__(self, log_path: Path):
        self.log_path = log_path

    def client(self, service: str):
        return boto3.client(service, endpoint_url=EDGE, region_name="us-east-1", aws_access_key_id="e2e",
                            aws_secret_access_key="e2e", config=Config(retries={"max_attempts": 2}))

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{API}{path}", timeout=30, **kwargs)

    def describe(self, execution_arn: str) -> dict:
        return self.client("stepfunctions").describe_execution(executionArn=execution_arn)

    def wait_for_execution(self, execution_arn: str, timeout: float = 60) -> dict:
        """Wait until the execution leaves RUNNING; fail (not hang) past the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            execution = self.describe(execution_arn)
            if execution["status"] != "RUNNING":
                return execution
            if time.monotonic() > deadline:
                pytest.fail(f"{execution_arn} still RUNNING after {timeout}s")
            time.sleep(0.1)

    def history(self, execution_arn: str) -> list[dict]:
        sfn = self.client("stepfunctions")
        pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
        return [event for page in pages for event in page["events"]]

    def states_entered(self, execution_arn: str) -> list[str]:
        return [e["stateEnteredEventDetails"]["name"] for e in self.history(execution_arn)
                if "stateEnteredEventDetails" in e]

    def emails(self) -> list[dict]:
        return requests.get(f"{EDGE}/_aws/ses", timeout=10).json()["messages"]

    def wait_for_email(self, predicate, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.emails() if predicate(m)]
            if found:
                return found[-1]
            time.sleep(0.1)
        pytest.fail(f"no matching email within {timeout}s")

    def email_for_execution(self, execution_arn: str, timeout: float = 20) -> dict:
        return self.wait_for_email(lambda m: execution_arn in (m["Body"]["text_part"] or ""), timeout)

    @staticmethod
    def link(email: dict, label: str) -> str:
        return re.search(rf"{label}:\s+(\S+)", email["Body"]["text_part"]).group(1)


def _wait_healthy(process: subprocess.Popen, log_path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the local cloud exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            if requests.get(f"{EDGE}/_localcloud/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the local cloud was not healthy within {timeout}s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def cloud() -> Cloud:
    OUTPUT.mkdir(exist_ok=True)
    log_path = OUTPUT / "localcloud.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "localcloud", "--edge-port", str(EDGE_PORT),
                                    "--api-port", str(API_PORT), "--mqtt-port", str(MQTT_PORT)], cwd=REPO, stdout=log,
                                   stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_healthy(process, log_path)
        yield Cloud(log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_calculation(cloud: Cloud, body) -> requests.Response:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return cloud.api("POST", "/orchestrator/calculate", data=data, headers={"Content-Type": "application/json"})
