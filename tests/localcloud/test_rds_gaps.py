"""The RDS gap localcloud/rds/snapshots.py fixes: moto's snapshots are "available" the instant they are created and
emit no event. The first test fails when the pinned moto closes the gap (then drop the fix)."""
import boto3
from moto import mock_aws

from localcloud.rds import snapshots


def test_rds_snapshots_moto_snapshots_are_still_available_at_once():
    with mock_aws():
        rds = boto3.client("rds", region_name="us-east-1")
        rds.create_db_instance(DBInstanceIdentifier="db1", DBInstanceClass="db.t3.micro", Engine="postgres",
                               MasterUsername="u1", MasterUserPassword="password1", AllocatedStorage=20)
        snapshot = rds.create_db_snapshot(DBInstanceIdentifier="db1", DBSnapshotIdentifier="s1")["DBSnapshot"]
    assert snapshot["Status"] == "available", "moto snapshots take time now: revisit localcloud/rds/snapshots.py"


def test_rds_snapshots_plan_refuses_unknown_outcomes():
    try:
        snapshots.plan_rds_snapshots("instance", "db", outcome="exploded")
    except ValueError as exc:
        assert "outcome" in str(exc)
    else:
        raise AssertionError("an unknown outcome was accepted")
