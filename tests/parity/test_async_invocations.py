"""Asynchronous invocation as Lambda runs it: a function that fails an event is tried three times (AWS waits 1 and
2 minutes between tries; stage local 1 and 2 s), then Lambda sends the invocation record to the function's OnFailure
destination with the function's own role. Mirrors the Lambda developer guide's "asynchronous invocation"."""
import json
import uuid

import requests

from tests.parity.conftest import edit


def test_a_snapshot_event_the_function_keeps_failing_reaches_its_failure_queue_after_three_tries(cloud_with):
    def answering_fails(repo):
        edit(repo / "services/rds-snapshot/rds_snapshot/handlers/snapshot_event.py",
             "    return flows.snapshot_event(", "    raise RuntimeError('the answer cannot be sent')\n"
             "    return flows.snapshot_event(")

    with cloud_with(answering_fails, services="rds-snapshot") as cloud:
        db = f"db-{uuid.uuid4().hex[:10]}"
        cloud.client("rds").create_db_instance(DBInstanceIdentifier=db, DBInstanceClass="db.t3.micro",
                                               Engine="postgres", MasterUsername="admin1",
                                               MasterUserPassword="not-a-secret-1", AllocatedStorage=20)
        assert requests.post(f"{cloud.edge_url}/_localcloud/rds/instances/{db}", json={"seconds": 0.5},
                             timeout=10).status_code == 200
        started = cloud.api("POST", "/rds-snapshot/snapshots/event-driven", json={"dbInstanceIdentifier": db})
        assert started.status_code == 200, started.text
        sqs = cloud.client("sqs")
        queue = sqs.get_queue_url(QueueName="waitflows-rds-snapshot-local-snapshot-event-failures")["QueueUrl"]
        records = []
        for _ in range(15):   # each receive long-polls: this awaits the third failure, it does not sleep
            records = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2).get("Messages", [])
            if records:
                break

    assert records, "no invocation record reached the OnFailure destination"
    record = json.loads(records[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:waitflows-rds-snapshot-local-snapshotEvent:$LATEST")
    assert record["requestPayload"]["detail-type"] == "RDS DB Snapshot Event"
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == "the answer cannot be sent"
