"""Executions waiting for a snapshot, in DynamoDB: snapshot id -> task token (a bearer credential, kept only here)."""
from lambda_shared.aws import DynamoTable


class SnapshotWaiters(DynamoTable):
    def add(self, snapshot_id: str, task_token: str, expires_at: int) -> None:
        self._table.put_item(Item={"snapshotId": snapshot_id, "taskToken": task_token,
                                   "ttl": expires_at + 86400})

    def take(self, snapshot_id: str) -> str | None:
        """Remove and return the waiting token: of two answerers racing (the event, the check), one gets it."""
        old = self._table.delete_item(Key={"snapshotId": snapshot_id}, ReturnValues="ALL_OLD").get("Attributes")
        return old["taskToken"] if old else None
