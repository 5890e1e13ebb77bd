"""Service integrations' parameters and results in each API's own member names, as AWS maps them.

The gap: moto's engine (a port of LocalStack's) keeps the helpers that map a task's Parameters to the boto3 shape
of the call (`StateMachineArn` -> `stateMachineArn`) and its result back to Step Functions' casing
(`executionArn` -> `ExecutionArn`), but its `_normalise_parameters` / `_normalise_response` do nothing: an
`aws-sdk:sfn:startExecution` or `states:startExecution.sync` task fails with States.Runtime `'StateMachineArn'`
(a KeyError in botocore's serialiser), and camelCase APIs answer in their wire casing. Fixed: both hooks map
through the service's botocore model, as upstream does.
"""
from functools import lru_cache


@lru_cache(maxsize=None)
def _operation_model(service_name: str, action: str):
    import botocore.session
    from moto.stepfunctions.parser.utils import camel_to_snake_case

    service = botocore.session.get_session().get_service_model(service_name)
    names = {camel_to_snake_case(name): name for name in service.operation_names}
    name = names.get(camel_to_snake_case(action))
    return service.operation_model(name) if name else None


def map_through_service_models() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    if getattr(StateTaskService._normalise_parameters, "_localcloud_fix", False):
        return

    def _model(self, boto_service_name, service_action_name):
        try:
            return _operation_model(self._get_boto_service_name(boto_service_name=boto_service_name),
                                    self._get_boto_service_action(service_action_name=service_action_name))
        except Exception:   # an integration botocore has no model for: leave its values as they are
            return None

    def _normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
        model = _model(self, boto_service_name, service_action_name)
        if model is not None and model.input_shape is not None and isinstance(parameters, dict):
            self._to_boto_request(parameters, model.input_shape)

    def _normalise_response(self, response, boto_service_name=None, service_action_name=None):
        model = _model(self, boto_service_name, service_action_name)
        if model is not None and model.output_shape is not None:
            self._from_boto_response(response, model.output_shape)

    _normalise_parameters._localcloud_fix = True
    StateTaskService._normalise_parameters = _normalise_parameters
    StateTaskService._normalise_response = _normalise_response
