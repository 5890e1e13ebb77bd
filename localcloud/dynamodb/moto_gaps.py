"""Where the pinned moto's DynamoDB falls short of AWS for this project, fixed next to the DynamoDB it patches.

tests/localcloud/test_dynamodb_gaps.py asserts that the gap still exists in plain moto, so a moto upgrade that
closes it tells us (that test fails and says so), and the fix can go.
"""
from moto.dynamodb.responses import DynamoHandler

_APPLIED = False


def update_item_consumes_capacity_only_when_asked() -> None:
    """The gap: AWS's UpdateItem answers ConsumedCapacity only when the request asks for it (ReturnConsumedCapacity
    TOTAL or INDEXES; the default is NONE), as its other item calls do. moto 5.2.5's update_item adds
    `ConsumedCapacity: {TableName, CapacityUnits: 0.5}` to every answer (its other calls go through its
    ReturnConsumedCapacity decorator), so a state machine's UpdateItem result differs from AWS's.

    Fixed: when the request does not ask for it (no ReturnConsumedCapacity, or NONE), the answer drops it.
    """
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    update_item = DynamoHandler.update_item

    def update_item_as_asked(self: DynamoHandler):
        result = update_item(self)
        if self.body.get("ReturnConsumedCapacity", "NONE") == "NONE" and isinstance(result.result, dict):
            result.result.pop("ConsumedCapacity", None)
        return result

    update_item_as_asked.__wrapped__ = update_item
    DynamoHandler.update_item = update_item_as_asked
