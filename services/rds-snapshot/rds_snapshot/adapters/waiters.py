"""Executions waiting for a snapshot, in DynamoDB: snapshot id -> task token (a bearer credential, kept only here)."""
from botocore.exceptions import ClientError

from lambda_shared.aws import DynamoTable


class SnapshotWaiters(DynamoTable):
    def add(self, snapshot_id: str, task_token: str, expires_at: int) -> None:
        self._table.put_item(Item={"snapshotId": snapshot_id, "taskToken": task_token,
                                   "ttl": expires_at + 86400})

    def get(self, snapshot_id: str) -> str | None:
        item = self._table.get_item(Key={"snapshotId": snapshot_id}, ConsistentRead=True).get("Item")
        return item["taskToken"] if item else None

    def remove(self, snapshot_id: str, task_token: str) -> None:
        """Forget the token once its task heard back (or no longer waits); a newer waiter's token stays."""
        try:
            self._table.delete_item(Key={"snapshotId": snapshot_id}, ConditionExpression="taskToken = :t",
                                    ExpressionAttributeValues={":t": task_token})
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
