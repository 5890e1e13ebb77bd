"""Fault injection (localcloud/faults/): a passing AWS fault on a callback path loses nothing.

Each test adds rules through the cloud's /_localcloud/faults API, as `python -m localcloud faults add` does, and
clears them after.
"""
import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.support.cloud import start_calculation

# Lambda clients in the layer try a call 3 times (lambda_shared/aws.py): a fault must outlast them to reach the handler.
CLIENT_ATTEMPTS = 3


@pytest.fixture
def faults(cloud):
    url = f"{cloud.edge_url}/_localcloud/faults"

    def add(**rule) -> dict:
        answer = requests.post(url, json=rule, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()

    yield add
    requests.delete(url, timeout=10)


def press_button(link: str) -> requests.Response:
    query = parse_qs(urlparse(link).query)
    return requests.post(link.split("?")[0], data={"action": query["action"][0], "sig": query["sig"][0]}, timeout=60)


def test_a_bad_rule_is_refused_with_what_is_wrong(cloud):
    answer = requests.post(f"{cloud.edge_url}/_localcloud/faults", json={"error": "ThrottlingException"}, timeout=10)
    assert answer.status_code == 400 and "service" in answer.json()["message"]


def test_an_approval_whose_callback_is_throttled_is_delivered_by_the_next_click(cloud, faults):
    started = start_calculation(cloud, {"x": 3, "y": 4})
    assert started.status_code == 200, started.text
    arn = started.json()["executionArn"]
    link = cloud.link(cloud.email_for_execution(arn), "Approve")
    faults(service="states", operation="SendTaskSuccess", error="ThrottlingException", message="Rate exceeded",
           count=CLIENT_ATTEMPTS)

    throttled = press_button(link)

    assert throttled.status_code == 503, throttled.text
    assert throttled.headers["Retry-After"] == "30" and "Your decision is recorded" in throttled.text
    assert cloud.describe(arn)["status"] == "RUNNING"
    injected = requests.get(f"{cloud.edge_url}/_localcloud/faults", timeout=10).json()["injected"]
    assert [f["operation"] for f in injected][-CLIENT_ATTEMPTS:] == ["SendTaskSuccess"] * CLIENT_ATTEMPTS

    delivered = press_button(link)

    assert delivered.status_code == 200 and "approved" in delivered.text
    execution = cloud.wait_for_execution(arn)
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["decision"] == "approved"
