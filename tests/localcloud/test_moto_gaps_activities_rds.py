"""Gaps 6-8 of localcloud/moto_gaps.py: each test fails when the pinned moto closes the gap (then drop the fix)."""
import inspect
import json

import boto3
from moto import mock_aws

from localcloud import moto_gaps
from localcloud.rds import snapshots


def test_gap6_engine_still_starts_executions_without_activities():
    from moto.stepfunctions.parser import models
    source = inspect.getsource(models.StepFunctionsParserBackend.start_execution)
    assert "activity_store={}" in source, "moto now passes its activities to executions: drop gap 6's fix"


def test_gap7_moto_still_does_not_answer_get_activity_task():
    from moto.stepfunctions.responses import StepFunctionResponse
    assert not hasattr(StepFunctionResponse, "get_activity_task"), "moto answers GetActivityTask now: drop gap 7"


def test_gap8_activity_heartbeat_timeout_is_still_mapped_to_states_timeout():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_activitiy import (
        StateTaskActivity,
    )
    source = inspect.getsource(StateTaskActivity._from_error)
    assert "HeartbeatTimeout" not in source, "moto names activity heartbeat timeouts now: drop gap 8"


def test_gap9_moto_snapshots_are_still_available_at_once():
    with mock_aws():
        rds = boto3.client("rds", region_name="us-east-1")
        rds.create_db_instance(DBInstanceIdentifier="db1", DBInstanceClass="db.t3.micro", Engine="postgres",
                               MasterUsername="u1", MasterUserPassword="password1", AllocatedStorage=20)
        snapshot = rds.create_db_snapshot(DBInstanceIdentifier="db1", DBSnapshotIdentifier="s1")["DBSnapshot"]
    assert snapshot["Status"] == "available", "moto snapshots take time now: revisit gap 9"


def test_gap7_fix_answers_an_empty_poll_and_refuses_an_unknown_activity():
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_activity(name="gap7")["activityArn"]
        assert moto_gaps.get_activity_task(json.dumps({"activityArn": arn}).encode(), poll_seconds=0.1) == (200, {})
        status, answer = moto_gaps.get_activity_task(
            json.dumps({"activityArn": arn + "-missing"}).encode(), poll_seconds=0.1)
        assert (status, answer["__type"]) == (400, "ActivityDoesNotExist")


def test_gap9_plan_refuses_unknown_outcomes():
    try:
        snapshots.plan_rds_snapshots("instance", "db", outcome="exploded")
    except ValueError as exc:
        assert "outcome" in str(exc)
    else:
        raise AssertionError("an unknown outcome was accepted")
