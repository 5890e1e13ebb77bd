"""RDS snapshot service through the local cloud: the growing poll, the fixed poll, the event-driven wait.

Each test creates its own DB instance at the edge and tells the local RDS (POST /_localcloud/rds/instances/<id>)
how its snapshots behave, then starts an execution over HTTP as a client would.
"""
import json
import uuid

import pytest
import requests

from tests.e2e.conftest import Cloud

POLLER, FIXED, EVENT_DRIVEN = "/rds-snapshot/snapshots", "/rds-snapshot/snapshots/fixed-poll", \
    "/rds-snapshot/snapshots/event-driven"


def db_instance(cloud: Cloud, **plan) -> str:
    name = f"db-{uuid.uuid4().hex[:10]}"
    cloud.client("rds").create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro",
                                           Engine="postgres", MasterUsername="admin1",
                                           MasterUserPassword="not-a-secret-1", AllocatedStorage=20)
    if plan:
        answer = requests.post(f"{cloud.edge_url}/_localcloud/rds/instances/{name}", json=plan, timeout=10)
        assert answer.status_code == 200, answer.text
    return name


def start(cloud: Cloud, path: str, body: dict) -> str:
    response = cloud.api("POST", path, json=body)
    assert response.status_code == 200, response.text
    return response.json()["executionArn"]


def waits_taken(history: list[dict]) -> list[int]:
    """The seconds of each WaitForSnapshot: the $poll that the look before it assigned (the history's
    assignedVariables, JSON text per variable, as AWS records them)."""
    seconds, poll = [], None
    for event in history:
        assigned = event.get("stateExitedEventDetails", {}).get("assignedVariables", {})
        poll = json.loads(assigned["poll"]) if "poll" in assigned else poll
        if event.get("stateEnteredEventDetails", {}).get("name") == "WaitForSnapshot":
            seconds.append(poll["waitSeconds"])
    return seconds


@pytest.mark.parametrize("path", [POLLER, FIXED, EVENT_DRIVEN])
def test_snapshot_that_becomes_available_succeeds(cloud, path):
    # Given a DB instance whose snapshots take 2 s
    db = db_instance(cloud, seconds=2)
    # When a snapshot is requested
    execution = cloud.wait_for_execution(start(cloud, path, {"dbInstanceIdentifier": db}))
    # Then the execution succeeds with the available snapshot, which RDS also reports as available
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    snapshot_id = output["snapshot"]["dbSnapshotIdentifier"]
    if path != EVENT_DRIVEN:   # the poll loops also say how often they looked and how long they waited
        assert set(output) == {"snapshot", "polls", "waitedSeconds"}
        assert output["polls"] >= 1 and output["waitedSeconds"] >= 1
    described = cloud.client("rds").describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"][0]
    assert described["Status"] == "available" and described["DBInstanceIdentifier"] == db


@pytest.mark.parametrize("path", [POLLER, EVENT_DRIVEN])
def test_failed_snapshot_fails_the_execution(cloud, path):
    db = db_instance(cloud, seconds=1, outcome="fail")
    execution = cloud.wait_for_execution(start(cloud, path, {"dbInstanceIdentifier": db}))
    assert (execution["status"], execution.get("error")) == ("FAILED", "SnapshotFailed")


@pytest.mark.parametrize("path", [POLLER, FIXED, EVENT_DRIVEN])
def test_missing_instance_fails_with_db_instance_not_found(cloud, path):
    execution = cloud.wait_for_execution(start(cloud, path, {"dbInstanceIdentifier": "no-such-instance"}))
    assert (execution["status"], execution.get("error")) == ("FAILED", "DBInstanceNotFound")
    assert "no-such-instance" in execution["cause"]


@pytest.mark.parametrize("path", [POLLER, EVENT_DRIVEN])
def test_snapshot_slower_than_the_maximum_wait_times_out(cloud, path):
    # Given a snapshot that takes 30 s and a caller who waits at most 2 s
    db = db_instance(cloud, seconds=30)
    execution = cloud.wait_for_execution(start(cloud, path, {"dbInstanceIdentifier": db, "maxWaitSeconds": 2}))
    assert (execution["status"], execution.get("error")) == ("FAILED", "SnapshotTimedOut")


def test_throttled_create_is_retried(cloud):
    # Given RDS throttles the first two CreateDBSnapshot calls (one Lambda attempt makes one call)
    db = db_instance(cloud, seconds=1, throttle=2)
    arn = start(cloud, POLLER, {"dbInstanceIdentifier": db})
    execution = cloud.wait_for_execution(arn)
    # Then the state machine's Retry got it through
    assert execution["status"] == "SUCCEEDED", execution
    failures = [e for e in cloud.history(arn) if e["type"] == "TaskFailed"]
    assert len(failures) == 2 and all("SnapshotThrottled" in e["taskFailedEventDetails"]["error"] for e in failures), \
        [(e["type"], e.get("taskFailedEventDetails")) for e in cloud.history(arn)]


def test_throttling_that_never_stops_fails_clearly(cloud):
    db = db_instance(cloud, seconds=1, throttle=100)
    execution = cloud.wait_for_execution(start(cloud, POLLER, {"dbInstanceIdentifier": db}), timeout=60)
    assert (execution["status"], execution.get("error")) == ("FAILED", "Throttled")


def test_the_wait_grows_and_the_event_driven_wait_does_not_poll(cloud):
    # Given a snapshot that takes 8 s
    db = db_instance(cloud, seconds=8)
    polled = start(cloud, POLLER, {"dbInstanceIdentifier": db})
    evented = start(cloud, EVENT_DRIVEN, {"dbInstanceIdentifier": db})
    for arn in (polled, evented):
        assert cloud.wait_for_execution(arn)["status"] == "SUCCEEDED"
    # Then the growing poll waited 1, 2, 4, then 8 s (doubling), and the event-driven wait entered three states
    seconds = waits_taken(cloud.history(polled))
    assert seconds == [1, 2, 4, 8][:len(seconds)] and len(seconds) >= 3
    assert cloud.states_entered(evented) == ["CreateSnapshot", "AwaitSnapshotEvent", "Done"]


def test_request_body_is_validated_by_api_gateway(cloud):
    response = cloud.api("POST", POLLER, json={"dbInstanceIdentifier": "db", "extra": 1})
    assert response.status_code == 400
