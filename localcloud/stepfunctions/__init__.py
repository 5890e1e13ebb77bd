"""AWS Step Functions, locally: moto's engine executes the definitions; where it falls short of AWS for this
project, each gap is fixed in a module of this package named after it, with a test in
tests/localcloud/test_stepfunctions_gaps.py that fails when a moto upgrade closes the gap (then drop the fix).

enable_engine() turns the engine on, with every fix below:
- the engine itself: moto stores definitions only, unless its config asks it to execute them (execute_state_machine);
  without it executions never leave RUNNING -> enable_engine()
- early_callbacks.py: a callback that arrives during the task's Lambda invoke is missed, the task dies by heartbeat
  timeout
- heartbeat_timeouts.py: a missed heartbeat is States.Timeout, not States.HeartbeatTimeout
- task_failure_cause.py: SendTaskFailure drops its cause
- engine_clients.py: a new client per task, never acting as the state machine's role
- integration_metadata.py: SNS and DynamoDB integration results lack SdkHttpMetadata/SdkResponseMetadata
- jsonata.py: JSONata is parsed but never evaluated (no evaluator wired)
- jsonata_fields.py: a JSONata result check names no field, and a Task records its EvaluationFailed event twice
- jsonata_validation.py: a definition with invalid JSONata is accepted, failing only when it runs
- map_input_errors.py: a Map over a non-array names the Python type, not the value
- query_language_scopes.py: one refused definition makes the parser refuse every later one
- execution_output.py: DescribeExecution answers 500 when the output holds the context object (datetimes)
- sync_executions.py: StartSyncExecution is not implemented
- context_object.py: $$.Execution has no RedriveCount
- history_paging.py: GetExecutionHistory ignores maxResults, reverseOrder and nextToken
- wait_timestamps.py: an invalid JSONata Timestamp is States.Runtime, not States.QueryEvaluationError
- aws_sdk_errors.py: aws-sdk errors are named after the lower-cased resource (`s3.…Exception`, `secretsmanager.…`),
  not the SDK's service name, and S3's have no Extended Request ID
- timeout_path_failures.py: an invalid TimeoutSecondsPath/HeartbeatSecondsPath records ExecutionFailed twice
- starting_executions.py: a callback for any task answers 500 while another execution is still starting
- service_shapes.py: integrations' parameters and results are not mapped to the API's member names
- execution_input_details.py: DescribeExecution (so a startExecution.sync:2 result) has no inputDetails
- wait_delay_limit.py: a Wait whose delay is too long waits, where AWS fails it at once
- null_parameters.py: a null task parameter is sent as None ("null", or a serialiser error), not left out
- sqs_errors.py: an sqs:sendMessage task fails every SQS error as SQS.SdkClientException, not AWS's names
- closed_task_callbacks.py: a callback for a task that has ended answers InvalidToken (or success), not TaskTimedOut
- parser_error_codes.py: the engine's API errors (a refused definition's InvalidDefinition...) answer no code
- definition_cache.py (speed): every StartExecution parses the definition again
- jsonpath_cache.py (speed): every path evaluated builds a new JSONPath parser and compiles the path again
- value_copies.py (speed): every read of a state's data is a copy.deepcopy
Besides, applied where they act:
- execution_names.py: a nameless StartExecution collides on the name None (REQUEST_FIXES, applied by the edge)
- activities.py: activity tasks never reach a worker, GetActivityTask is not answered, an activity's missed
  heartbeat is States.Timeout (the Activities part, started with the cloud's later parts)
The edge's own gap (moto's server routing every request by scanning its modules) is in localcloud/edge/host_routing.py.
"""
from moto.core.config import default_user_config

from localcloud.stepfunctions.aws_sdk_errors import aws_sdk_errors_name_the_service
from localcloud.stepfunctions.closed_task_callbacks import callbacks_for_closed_tasks_time_out
from localcloud.stepfunctions.context_object import execution_has_redrive_count
from localcloud.stepfunctions.definition_cache import parse_each_definition_once
from localcloud.stepfunctions.early_callbacks import heartbeat_sees_early_callback
from localcloud.stepfunctions.engine_clients import act_as_state_machine_roles, reuse_engine_clients
from localcloud.stepfunctions.execution_input_details import describe_execution_has_input_details
from localcloud.stepfunctions.execution_names import REQUEST_FIXES
from localcloud.stepfunctions.execution_output import describe_execution_serialises_times
from localcloud.stepfunctions.heartbeat_timeouts import task_heartbeat_timeouts
from localcloud.stepfunctions.history_paging import page_execution_history
from localcloud.stepfunctions.integration_metadata import integrations_carry_http_metadata
from localcloud.stepfunctions.jsonata import evaluate_with_jsonata_python
from localcloud.stepfunctions.jsonata_fields import jsonata_errors_name_the_field
from localcloud.stepfunctions.jsonata_validation import refuse_invalid_jsonata
from localcloud.stepfunctions.jsonpath_cache import compile_each_path_once
from localcloud.stepfunctions.map_input_errors import map_input_errors_show_the_value
from localcloud.stepfunctions.null_parameters import null_parameters_are_left_out
from localcloud.stepfunctions.parser_error_codes import parser_errors_answer_their_code
from localcloud.stepfunctions.query_language_scopes import one_scope_stack_per_parse
from localcloud.stepfunctions.service_shapes import map_through_service_models
from localcloud.stepfunctions.sqs_errors import sqs_errors_name_the_exception
from localcloud.stepfunctions.starting_executions import executions_start_with_their_environment
from localcloud.stepfunctions.sync_executions import start_sync_execution_runs_to_the_end
from localcloud.stepfunctions.task_failure_cause import send_task_failure_keeps_cause
from localcloud.stepfunctions.timeout_path_failures import timeout_paths_fail_the_execution_once
from localcloud.stepfunctions.value_copies import copy_state_data_as_json
from localcloud.stepfunctions.wait_delay_limit import waits_too_long_fail_at_once
from localcloud.stepfunctions.wait_timestamps import jsonata_timestamps_fail_as_evaluation_errors

# What enable_engine() turns on, in order, each named after the gap it closes.
ENGINE_FIXES = (heartbeat_sees_early_callback, task_heartbeat_timeouts, send_task_failure_keeps_cause,
                reuse_engine_clients, evaluate_with_jsonata_python, describe_execution_serialises_times,
                start_sync_execution_runs_to_the_end, map_through_service_models, one_scope_stack_per_parse,
                execution_has_redrive_count, jsonata_timestamps_fail_as_evaluation_errors,
                page_execution_history, map_input_errors_show_the_value, integrations_carry_http_metadata,
                refuse_invalid_jsonata, jsonata_errors_name_the_field, aws_sdk_errors_name_the_service,
                timeout_paths_fail_the_execution_once, describe_execution_has_input_details,
                waits_too_long_fail_at_once, null_parameters_are_left_out, sqs_errors_name_the_exception,
                callbacks_for_closed_tasks_time_out, parser_errors_answer_their_code,
                executions_start_with_their_environment, parse_each_definition_once, compile_each_path_once,
                copy_state_data_as_json)

__all__ = ["ENGINE_FIXES", "REQUEST_FIXES", "act_as_state_machine_roles", "enable_engine"]


def enable_engine() -> None:
    """Make moto's Step Functions backend execute definitions (its ASL engine), with every fix of ENGINE_FIXES."""
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    for fix in ENGINE_FIXES:
        fix()
