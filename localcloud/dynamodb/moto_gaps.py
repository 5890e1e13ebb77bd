"""Where the pinned moto's DynamoDB falls short of AWS for this project, fixed next to the DynamoDB it patches.

tests/localcloud/test_dynamodb_gaps.py asserts that the gap still exists in plain moto, so a moto upgrade that
closes it tells us (that test fails and says so), and the fix can go.
"""
from functools import lru_cache

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


_REQUIRED_APPLIED = False


@lru_cache(maxsize=None)
def _required_members(operation: str) -> tuple[str, ...]:
    import botocore.session
    model = botocore.session.get_session().get_service_model("dynamodb")
    if operation not in model.operation_names or model.operation_model(operation).input_shape is None:
        return ()
    return tuple(model.operation_model(operation).input_shape.required_members)


def _missing_members(operation: str, body: dict) -> list[str]:
    """The required top-level members of a DynamoDB request that are absent (or null), as DynamoDB names them."""
    return [name[0].lower() + name[1:] for name in _required_members(operation) if body.get(name) is None]


def requests_missing_a_required_member_are_refused() -> None:
    """The gap: a request without a member DynamoDB requires (a PutItem without Item, as an aws-sdk:dynamodb task
    sends for `"Item.$": "$.nothing"`) fails in moto 5.2.5 with a KeyError (500). DynamoDB refuses it first:
    ValidationException, "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member
    must not be null" (each missing member so, "; "-separated, counted in the first words).

    Fixed: every operation checks the required members of its API model before moto's handler runs. (boto3 checks
    them itself by default; the engine's clients, like AWS's Java SDK, leave that to the service.)
    """
    global _REQUIRED_APPLIED
    if _REQUIRED_APPLIED:
        return
    _REQUIRED_APPLIED = True
    from moto.dynamodb.exceptions import MockValidationException
    call_action = DynamoHandler.call_action

    def call_action_checking_required_members(self: DynamoHandler):
        missing = _missing_members(self._get_action(), getattr(self, "params", None) or {})
        if not missing:
            return call_action(self)
        errors = "; ".join(f"Value null at '{name}' failed to satisfy constraint: Member must not be null"
                           for name in missing)
        count = f"{len(missing)} validation error{'s' if len(missing) > 1 else ''} detected"
        refusal = MockValidationException(f"{count}: {errors}")   # answered as moto answers its own refusals
        headers = {**dict(refusal.get_headers() or []), "status": refusal.code}
        status, headers, body = self._transform_response(self.response_headers, (refusal.description, headers))
        headers, body = self._enrich_response(headers, body)
        return status, headers, body

    call_action_checking_required_members.__wrapped__ = call_action
    DynamoHandler.call_action = call_action_checking_required_members
