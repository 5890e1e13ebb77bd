"""rds-snapshot handlers under moto, called as Lambda calls them, with the waiters table and environment built from
the service's serverless.yml; the DB instance lives in moto's RDS. Errors are checked by the name Lambda reports
(the exception's class name), which is what the state machines' Retry and Catch match."""
import time

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import moto_client
from tests.support.tokens import new_task_token

POLICY = {"firstWaitSeconds": 60, "growth": 2, "capSeconds": 960, "maxWaitSeconds": 86400}


@pytest.fixture
def rds_snapshot(service_resources):
    return service_resources("rds-snapshot")


@pytest.fixture
def db_instance(aws) -> str:
    moto_client("rds").create_db_instance(
        DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="admin1",
        MasterUserPassword="password1", AllocatedStorage=20)
    return "orders-db"


def invoke(service, key: str, event: dict):
    return service.load(key)(event, service.context(key))


def create(service, db: str, execution_name="exec-1") -> dict:
    return invoke(service, "createSnapshot", {"request": {"dbInstanceIdentifier": db}, "executionName": execution_name,
                                              "policy": POLICY})


def refuse_rds(service, operation: str, code: str) -> None:
    """Make RDS answer `operation` with an error, on the container's own RDS client."""
    def refuse(**_):
        raise ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, operation)
    service.module("createSnapshot").container.rds._rds.meta.events.register(f"before-call.rds.{operation}", refuse)


def snapshot_event(snapshot_id: str) -> dict:
    """An EventBridge "RDS DB Snapshot Event" (RDS-EVENT-0042, manual snapshot created)."""
    return {"version": "0", "id": "7f1a3c2e-0000-4000-8000-000000000001", "detail-type": "RDS DB Snapshot Event",
            "source": "aws.rds", "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
            "resources": [f"arn:aws:rds:us-east-1:123456789012:snapshot:{snapshot_id}"],
            "detail": {"EventCategories": ["creation"], "SourceType": "SNAPSHOT",
                       "SourceArn": f"arn:aws:rds:us-east-1:123456789012:snapshot:{snapshot_id}",
                       "Date": "2026-01-01T00:00:00Z", "Message": "Manual snapshot created",
                       "SourceIdentifier": snapshot_id, "EventID": "RDS-EVENT-0042"}}


def waiter(service, snapshot_id: str):
    table = moto_client("dynamodb")
    name = service.environment("awaitSnapshot")["SNAPSHOT_WAITERS_TABLE"]
    return table.get_item(TableName=name, Key={"snapshotId": {"S": snapshot_id}}).get("Item")


# --- createSnapshot -----------------------------------------------------------------------------------------------
def test_given_an_instance_when_create_runs_then_a_snapshot_starts_and_the_first_wait_is_the_policys(
        rds_snapshot, db_instance):
    result = create(rds_snapshot, db_instance)

    snapshot_id = result["snapshot"]["dbSnapshotIdentifier"]
    assert result["snapshot"]["dbInstanceIdentifier"] == db_instance and snapshot_id.startswith("orders-db-snapshot-")
    assert result["poll"] == {"waitSeconds": 60, "waitedSeconds": 0, "polls": 0, "growth": 2, "capSeconds": 960,
                              "maxWaitSeconds": 86400}
    assert moto_client("rds").describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"]


def test_given_a_retried_create_then_it_finds_its_own_snapshot_instead_of_making_a_second(rds_snapshot, db_instance):
    first = create(rds_snapshot, db_instance)

    again = create(rds_snapshot, db_instance)

    assert again["snapshot"] == first["snapshot"]
    assert len(moto_client("rds").describe_db_snapshots(DBInstanceIdentifier=db_instance,
                                                        SnapshotType="manual")["DBSnapshots"]) == 1


def test_given_no_such_instance_then_create_fails_with_db_instance_not_found(rds_snapshot):
    with pytest.raises(Exception) as raised:
        create(rds_snapshot, "no-such-db")

    assert type(raised.value).__name__ == "DBInstanceNotFound"


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "RequestLimitExceeded"])
def test_given_rds_throttles_then_create_fails_with_snapshot_throttled_for_the_retry(rds_snapshot, db_instance, code):
    rds_snapshot.load("createSnapshot")
    refuse_rds(rds_snapshot, "CreateDBSnapshot", code)
    handler = rds_snapshot.module("createSnapshot").handler

    with pytest.raises(Exception) as raised:
        handler({"request": {"dbInstanceIdentifier": db_instance}, "executionName": "exec-1", "policy": POLICY},
                rds_snapshot.context("createSnapshot"))

    assert type(raised.value).__name__ == "SnapshotThrottled"


def test_given_a_bad_instance_name_then_create_fails_with_invalid_request(rds_snapshot):
    with pytest.raises(Exception) as raised:
        create(rds_snapshot, "1-not an identifier")

    assert type(raised.value).__name__ == "InvalidRequest"


# --- describeSnapshot ---------------------------------------------------------------------------------------------
def test_when_describe_runs_then_it_reports_the_status_and_doubles_the_wait(rds_snapshot, db_instance):
    created = create(rds_snapshot, db_instance)

    result = invoke(rds_snapshot, "describeSnapshot", created)

    assert result["snapshot"]["status"] == "available"
    assert (result["poll"]["polls"], result["poll"]["waitedSeconds"], result["poll"]["waitSeconds"]) == (1, 60, 120)


def test_given_a_snapshot_that_disappeared_then_describe_fails_with_db_snapshot_not_found(rds_snapshot, db_instance):
    created = create(rds_snapshot, db_instance)
    moto_client("rds").delete_db_snapshot(DBSnapshotIdentifier=created["snapshot"]["dbSnapshotIdentifier"])

    with pytest.raises(Exception) as raised:
        invoke(rds_snapshot, "describeSnapshot", created)

    assert type(raised.value).__name__ == "DBSnapshotNotFound"


# --- awaitSnapshot and snapshotEvent: the event-driven wait -------------------------------------------------------
def test_given_a_snapshot_already_settled_when_awaited_then_the_token_is_answered_at_once_and_not_kept(
        rds_snapshot, db_instance, sfn_calls):
    created = create(rds_snapshot, db_instance)
    snapshot_id, token = created["snapshot"]["dbSnapshotIdentifier"], new_task_token()

    result = invoke(rds_snapshot, "awaitSnapshot", {"snapshot": created["snapshot"], "taskToken": token,
                                                    "timeoutSeconds": 600})

    assert result == {"snapshotId": snapshot_id, "answeredAtOnce": True}
    (success,) = sfn_calls.successes
    assert success["taskToken"] == token and '"status": "available"' in success["output"]
    assert waiter(rds_snapshot, snapshot_id) is None


def test_given_a_parked_token_when_the_snapshot_event_comes_then_it_is_answered_once_even_if_the_event_repeats(
        rds_snapshot, db_instance, sfn_calls):
    created = create(rds_snapshot, db_instance)
    snapshot_id, token = created["snapshot"]["dbSnapshotIdentifier"], new_task_token()
    invoke(rds_snapshot, "snapshotEvent", {"detail": {}})   # cold start, so the container holds the waiters table
    rds_snapshot.module("snapshotEvent").container.waiters.add(snapshot_id, token, int(time.time()) + 600)

    first = invoke(rds_snapshot, "snapshotEvent", snapshot_event(snapshot_id))
    again = invoke(rds_snapshot, "snapshotEvent", snapshot_event(snapshot_id))

    assert first == {"snapshotId": snapshot_id, "answered": True}
    assert again == {"snapshotId": snapshot_id, "answered": False}
    assert [s["taskToken"] for s in sfn_calls.successes] == [token]


def test_given_a_token_whose_execution_stopped_waiting_then_the_event_harms_nothing(
        rds_snapshot, db_instance, sfn_calls):
    created = create(rds_snapshot, db_instance)
    snapshot_id = created["snapshot"]["dbSnapshotIdentifier"]
    invoke(rds_snapshot, "snapshotEvent", {"detail": {}})
    rds_snapshot.module("snapshotEvent").container.waiters.add(snapshot_id, new_task_token(), int(time.time()))
    sfn_calls.refuse_with("TaskTimedOut")

    assert invoke(rds_snapshot, "snapshotEvent", snapshot_event(snapshot_id)) == {"snapshotId": snapshot_id,
                                                                                  "answered": False}


@pytest.mark.parametrize("event, reason", [
    ({"detail": {}}, "no snapshot named"),
    (snapshot_event("orders-db-snapshot-gone"), "no longer exists"),
])
def test_given_an_event_about_nothing_we_wait_for_then_it_is_ignored(rds_snapshot, sfn_calls, event, reason):
    result = invoke(rds_snapshot, "snapshotEvent", event)

    assert reason in result["ignored"] and sfn_calls.calls == []


def test_given_step_functions_throttles_the_answer_then_the_token_stays_parked_and_the_next_event_answers(
        rds_snapshot, db_instance, sfn_calls):
    created = create(rds_snapshot, db_instance)
    snapshot_id, token = created["snapshot"]["dbSnapshotIdentifier"], new_task_token()
    invoke(rds_snapshot, "snapshotEvent", {"detail": {}})
    rds_snapshot.module("snapshotEvent").container.waiters.add(snapshot_id, token, int(time.time()) + 600)
    sfn_calls.refuse_with("ThrottlingException", "Rate exceeded")

    with pytest.raises(Exception) as raised:
        invoke(rds_snapshot, "snapshotEvent", snapshot_event(snapshot_id))

    assert type(raised.value).__name__ == "CallbackNotDelivered"   # the name EventBridge's retry and the Retry see
    assert waiter(rds_snapshot, snapshot_id)["taskToken"]["S"] == token
    sfn_calls.accept_again()
    assert invoke(rds_snapshot, "snapshotEvent", snapshot_event(snapshot_id)) == {"snapshotId": snapshot_id,
                                                                                  "answered": True}
    assert [s["taskToken"] for s in sfn_calls.successes] == [token]
    assert waiter(rds_snapshot, snapshot_id) is None
