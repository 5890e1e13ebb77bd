"""A local cloud as `make local` runs it (python -m localcloud, a real subprocess), and what its user has: URLs,
boto3 clients at its AWS endpoint, its mailbox, its executions. Used by the e2e and parity tiers."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import boto3
import pytest
import requests
from botocore.config import Config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cloud:
    def __init__(self, edge_port: int, api_port: int, mqtt_port: int, log_path: Path):
        self.edge_url, self.api_url = f"http://127.0.0.1:{edge_port}", f"http://127.0.0.1:{api_port}"
        self.mqtt_port, self.log_path = mqtt_port, log_path

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.edge_url, region_name="us-east-1", aws_access_key_id="e2e",
                            aws_secret_access_key="e2e", config=Config(retries={"max_attempts": 2}))

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.api_url}{path}", timeout=30, **kwargs)

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
        return requests.get(f"{self.edge_url}/_aws/ses", timeout=10).json()["messages"]

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

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def wait_for_log_line(self, *fragments: str, timeout: float = 20) -> str:
        """The first line of the cloud's log holding every fragment (a Lambda's JSON log line, say)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [line for line in self.log_lines() if all(f in line for f in fragments)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                pytest.fail(f"the local cloud never logged a line with {fragments!r}")
            time.sleep(0.05)


def _wait_healthy(process: subprocess.Popen, cloud: Cloud, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the local cloud exited with {process.returncode}:\n{cloud.log_path.read_text()[-4000:]}")
        try:
            if requests.get(f"{cloud.edge_url}/_localcloud/health", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass   # not listening yet, or too busy starting to answer within the second: not healthy yet
        time.sleep(0.2)
    pytest.fail(f"the local cloud was not healthy within {timeout}s:\n{cloud.log_path.read_text()[-4000:]}")


@contextmanager
def running_cloud(repo: Path, log_path: Path, *, edge_port: int, api_port: int, mqtt_port: int,
                  args: tuple[str, ...] = (), env: dict | None = None, timeout: float = 120) -> Iterator[Cloud]:
    """`python -m localcloud -v` run from `repo` until the block ends, then stopped as Ctrl-C stops it.

    -v: every line (the Lambdas' too) reaches `log_path`, which tests search; the quiet default shows only
    workflow events."""
    import os

    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "localcloud", "--edge-port", str(edge_port),
                                    "--api-port", str(api_port), "--mqtt-port", str(mqtt_port), "-v", *args], cwd=repo,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    cloud = Cloud(edge_port, api_port, mqtt_port, log_path)
    try:
        _wait_healthy(process, cloud, timeout)
        yield cloud
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
