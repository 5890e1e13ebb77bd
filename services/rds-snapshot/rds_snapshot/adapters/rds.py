"""RDS behind a small class: AWS error codes become the named errors the state machines catch."""
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from rds_snapshot.logic.snapshots import (
    DBInstanceNotAvailable, DBInstanceNotFound, DBSnapshotNotFound, SnapshotThrottled,
)

# One attempt per call (total_max_attempts: botocore's max_attempts counts retries): the state machine's Retry
# owns the backoff for throttling, so retries do not multiply.
_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
_THROTTLING = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}


def _named(exc: ClientError) -> Exception:
    code = exc.response["Error"].get("Code", "")
    message = f"{code}: {exc.response['Error'].get('Message', '')}"
    if code == "DBInstanceNotFound":
        return DBInstanceNotFound(message)
    if code == "InvalidDBInstanceState":
        return DBInstanceNotAvailable(message)
    if code in ("DBSnapshotNotFound", "DBSnapshotNotFoundFault"):   # AWS says the first, moto the second
        return DBSnapshotNotFound(message)
    if code in _THROTTLING:
        return SnapshotThrottled(message)
    return exc


class RdsSnapshots:
    def __init__(self, rds_client=None):
        self._client = rds_client

    @property
    def _rds(self):
        if self._client is None:
            self._client = boto3.client("rds", config=_CONFIG)
        return self._client

    def create(self, db_instance: str, snapshot_id: str) -> dict:
        """Start a manual snapshot; a snapshot of that name made by an earlier attempt is returned as is."""
        try:
            return self._rds.create_db_snapshot(DBInstanceIdentifier=db_instance,
                                                DBSnapshotIdentifier=snapshot_id)["DBSnapshot"]
        except ClientError as exc:
            if exc.response["Error"].get("Code") == "DBSnapshotAlreadyExists":
                return self.describe(snapshot_id)
            raise _named(exc) from None

    def describe(self, snapshot_id: str) -> dict:
        try:
            return self._rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"][0]
        except ClientError as exc:
            raise _named(exc) from None
