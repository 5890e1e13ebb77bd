"""A task parameter whose value is null is sent as absent, as AWS's SDK sends it.

The gap: moto's engine hands a null parameter (`"Item.$": "$.Item"` with `"Item": null`) to botocore as None:
a structure fails in the serialiser ('NoneType' object has no attribute 'items', States.Runtime) and a string is
sent as the text "null" (an sqs:sendMessage of `"MessageBody": null` sends "null"). AWS's SDK leaves a null member
out of the request, so the service refuses it as missing (DynamoDB: "Value null at 'item' failed to satisfy
constraint: Member must not be null"; SQS: "The request must contain the parameter MessageBody.").
Fixed: null members are dropped before the request is mapped to the API's shape, at every level of structures.
"""


def null_parameters_are_left_out() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    original = StateTaskService._to_boto_request
    if getattr(original, "_localcloud_fix", False):
        return

    def _to_boto_request(self, parameters, structure_shape):
        if isinstance(parameters, dict):
            for name in [name for name, value in parameters.items() if value is None]:
                del parameters[name]
        original(self, parameters, structure_shape)

    _to_boto_request._localcloud_fix = True
    _to_boto_request.__wrapped__ = original
    StateTaskService._to_boto_request = _to_boto_request
