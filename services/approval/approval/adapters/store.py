"""Pending approvals in DynamoDB. The item holds the task token: the table, not the email, is what keeps it."""
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from approval.logic.approvals import ApprovalRequest, PendingApproval
from lambda_shared.aws import DynamoTable


class AlreadyDecided(Exception):
    """The conditional write lost: someone decided first, or the request expired."""


def _to_dynamo(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, float) else value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class ApprovalStore(DynamoTable):
    def add(self, approval: PendingApproval) -> None:
        r = approval.request
        self._table.put_item(
            Item={
                "approvalId": approval.approval_id,
                "taskToken": approval.task_token,
                "executionArn": approval.execution_arn,
                "request": {k: _to_dynamo(v) for k, v in
                            {"x": r.x, "y": r.y, "sum": r.sum, "doubled": r.doubled}.items()},
                "createdAt": approval.created_at,
                "expiresAt": approval.expires_at,
                # DynamoDB deletes the item a day after it expires; the page shows "expired" until then.
                "ttl": approval.expires_at + 86400,
            },
            ConditionExpression="attribute_not_exists(approvalId)",
        )

    def get(self, approval_id: str) -> PendingApproval | None:
        item = self._table.get_item(Key={"approvalId": approval_id}, ConsistentRead=True).get("Item")
        if not item:
            return None
        request = {k: _from_dynamo(v) for k, v in item["request"].items()}
        return PendingApproval(
            approval_id=item["approvalId"],
            task_token=item["taskToken"],
            execution_arn=item["executionArn"],
            request=ApprovalRequest.from_payload(request),
            created_at=int(item["createdAt"]),
            expires_at=int(item["expiresAt"]),
            decision=item.get("decision"),
            decided_at=int(item["decidedAt"]) if "decidedAt" in item else None,
            callback_error=item.get("callbackError"),
            delivered_at=int(item["deliveredAt"]) if "deliveredAt" in item else None,
        )

    def record_decision(self, approval_id: str, decision: str, now: int) -> None:
        """Decide once: the write succeeds only for an undecided, unexpired request."""
        try:
            self._table.update_item(
                Key={"approvalId": approval_id},
                UpdateExpression="SET decision = :d, decidedAt = :now",
                ConditionExpression="attribute_exists(approvalId) AND attribute_not_exists(decision)"
                                    " AND expiresAt > :now",
                ExpressionAttributeValues={":d": decision, ":now": now},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise AlreadyDecided(approval_id) from None
            raise

    def record_delivered(self, approval_id: str, now: int) -> None:
        """The workflow took the decision: from now on a click only shows it."""
        self._table.update_item(
            Key={"approvalId": approval_id},
            UpdateExpression="SET deliveredAt = :now",
            ExpressionAttributeValues={":now": now},
        )

    def record_callback_error(self, approval_id: str, message: str) -> None:
        self._table.update_item(
            Key={"approvalId": approval_id},
            UpdateExpression="SET callbackError = :m",
            ExpressionAttributeValues={":m": message[:500]},
        )
