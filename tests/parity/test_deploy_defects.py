"""Deliberate deploy defects, each of which AWS would refuse or fail on: the local cloud must fail the same way,
with AWS's error. Each test names the AWS behaviour it mirrors."""
import json
import shutil

import pytest

from tests.parity.conftest import edit
from tests.support.cloud import start_calculation

ORCHESTRATOR = "services/orchestrator"


def failed_run(cloud) -> dict:
    started = start_calculation(cloud, {"x": 1, "y": 2})
    assert started.status_code == 200, started.text
    execution = cloud.wait_for_execution(started.json()["executionArn"], timeout=60)
    assert execution["status"] == "FAILED", execution
    return execution


def lambda_error(execution) -> dict:
    """A Lambda task's failure: Step Functions names it by the function's errorType; the cause is its payload."""
    return json.loads(execution["cause"])


# --- what a function is loaded from -----------------------------------------------------------------------------
def test_a_dependency_missing_from_the_layer_fails_every_function_at_init(cloud_with):
    """AWS: a layer that lacks a package its code imports -> Runtime.ImportModuleError at init, every function."""
    def layer_without_the_xray_sdk(repo):
        shutil.rmtree(repo / "shared/build/layer/python/aws_xray_sdk")

    with cloud_with(layer_without_the_xray_sdk, services="orchestrator") as cloud:
        route = start_calculation(cloud, {"x": 1, "y": 2})
        task = cloud.client("lambda").invoke(FunctionName="waitflows-orchestrator-local-calculate",
                                             Payload=b'{"x": 1, "y": 2}')

    # The route's own function (startWorkflow) fails at init: API Gateway answers 502, nothing starts.
    assert route.status_code == 502 and route.json() == {"message": "Internal server error"}
    assert task["FunctionError"] == "Unhandled"
    error = json.loads(task["Payload"].read())
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"] == (
        "Unable to import module 'orchestrator/handlers/calculate': No module named 'aws_xray_sdk'")


def test_a_handler_file_excluded_by_the_package_patterns_cannot_be_imported(cloud_with):
    """AWS: the function's module is not in the deployment package -> Runtime.ImportModuleError."""
    def exclude_the_handler(repo):
        edit(repo / ORCHESTRATOR / "serverless.yml", "    - orchestrator/**\n",
             "    - orchestrator/**\n    - '!orchestrator/handlers/calculate.py'\n")

    with cloud_with(exclude_the_handler, services="orchestrator") as cloud:
        execution = failed_run(cloud)

    assert execution["error"] == "Runtime.ImportModuleError"
    assert lambda_error(execution)["errorMessage"] == (
        "Unable to import module 'orchestrator/handlers/calculate': No module named 'orchestrator.handlers.calculate'")


def test_a_handler_importing_what_only_the_dev_environment_has_fails_at_init(cloud_with):
    """AWS: the python3.12 runtime ships boto3 and its dependencies only; `requests` is not among them."""
    def import_requests(repo):
        handler = repo / ORCHESTRATOR / "orchestrator/handlers/calculate.py"
        handler.write_text("import requests  # noqa: F401\n" + handler.read_text())

    with cloud_with(import_requests, services="orchestrator") as cloud:
        execution = failed_run(cloud)

    assert execution["error"] == "Runtime.ImportModuleError"
    assert lambda_error(execution)["errorMessage"] == (
        "Unable to import module 'orchestrator/handlers/calculate': No module named 'requests'")


def test_a_handler_name_typo_fails_every_invocation(cloud_with):
    """AWS (awslambdaric): the module loads, the function attribute is missing -> Runtime.HandlerNotFound."""
    def typo(repo):
        edit(repo / ORCHESTRATOR / "serverless.yml", "handler: orchestrator/handlers/calculate.handler",
             "handler: orchestrator/handlers/calculate.handlr")

    with cloud_with(typo, services="orchestrator") as cloud:
        execution = failed_run(cloud)

    assert execution["error"] == "Runtime.HandlerNotFound"
    assert lambda_error(execution)["errorMessage"] == (
        "Handler 'handlr' missing on module 'orchestrator/handlers/calculate'")


def test_a_function_writing_outside_tmp_fails_with_a_read_only_file_system(cloud_with):
    """AWS: a sandbox's filesystem is read-only except /tmp -> OSError: [Errno 30] Read-only file system."""
    def cache_in_the_task_root(repo):
        handler = repo / ORCHESTRATOR / "orchestrator/handlers/calculate.py"
        edit(handler, "    return flows.calculate(event)",
             "    with open('last-calculation.json', 'w') as cache:\n        cache.write('{}')\n"
             "    return flows.calculate(event)")

    with cloud_with(cache_in_the_task_root, services="orchestrator") as cloud:
        execution = failed_run(cloud)

    assert execution["error"] == "OSError"
    assert lambda_error(execution)["errorMessage"] == "[Errno 30] Read-only file system: 'last-calculation.json'"


def test_an_environment_value_naming_an_output_never_deployed_fails_the_function_at_init(cloud_with):
    """AWS: the function's configuration is checked at cold start (shared/python/lambda_shared/settings.py); an
    exception during init is the invocation's error, named by its type."""
    def read_an_output_that_does_not_exist(repo):
        edit(repo / ORCHESTRATOR / "serverless.yml", "outputs.third-party-api.DoubleUrl,",
             "outputs.third-party-api.DoubleEndpoint,")

    with cloud_with(read_an_output_that_does_not_exist, services="orchestrator") as cloud:
        execution = failed_run(cloud)

    assert execution["error"] == "MissingSetting"
    assert lambda_error(execution)["errorMessage"] == (
        "environment variable DOUBLE_URL must be an http(s) URL, got 'not-deployed'; deploy the service that "
        "provides it first (make deploy records its outputs)")


# --- what a function or a state machine may do ------------------------------------------------------------------
def test_an_iam_action_removed_from_one_function_is_refused_with_access_denied(cloud_with):
    """AWS: SES answers SendEmail without ses:SendEmail with 403 AccessDenied; the Approval task fails at once."""
    def approval_role_without_send_email(repo):
        serverless = repo / "services/approval/serverless.yml"
        text = serverless.read_text()
        start = text.index("      - Effect: Allow\n        Action: [ses:SendEmail]")
        end = text.index("\n", text.index("identity/", start)) + 1
        serverless.write_text(text[:start] + text[end:])

    with cloud_with(approval_role_without_send_email, services="orchestrator") as cloud:
        execution = failed_run(cloud)
        sent = cloud.emails()

    assert execution["error"] == "EmailNotSent"
    assert lambda_error(execution)["errorMessage"] == (
        "could not email approver@example.com: AccessDenied: User `arn:aws:sts::123456789012:assumed-role/"
        "waitflows-approval-local-requestApproval-us-east-1-lambdaRole/waitflows-approval-local-requestApproval' "
        "is not authorized to perform `ses:SendEmail' on resource "
        "`arn:aws:ses:us-east-1:123456789012:identity/workflows@example.com'")
    assert sent == []


def test_a_function_without_execute_api_invoke_is_refused_by_an_aws_iam_method(cloud_with):
    """AWS: an aws_iam method answers a caller whose policies do not allow execute-api:Invoke on it with 403
    {"Message": "User: ... is not authorized to perform: execute-api:Invoke on resource: ..."}; the Double task's
    function names that ThirdPartyRejectedRequest, which is not retried."""
    def request_double_without_invoke(repo):
        edit(repo / ORCHESTRATOR / "serverless.yml",
             "      - {Effect: Allow, Action: [execute-api:Invoke], Resource: '${self:custom.doubleMethodArn}'}\n",
             "      - {Effect: Allow, Action: [xray:PutTraceSegments], Resource: '*'}\n")

    with cloud_with(request_double_without_invoke, services="orchestrator") as cloud:
        execution = failed_run(cloud)

    role = "waitflows-orchestrator-local-requestDouble-us-east-1-lambdaRole"
    assert execution["error"] == "ThirdPartyRejectedRequest"
    # The adapter keeps the first 300 characters of a refusal's body: the message up to the resource is in them.
    assert lambda_error(execution)["errorMessage"].startswith(
        'double API answered 403: {"Message": "User: arn:aws:sts::123456789012:assumed-role/'
        f'{role}/waitflows-orchestrator-local-requestDouble is not authorized to perform: execute-api:Invoke on '
        'resource: arn:aws:execute-api:us-east-1:')


def test_a_resource_narrowed_to_another_table_is_refused_on_the_table_used(cloud_with):
    """AWS: DynamoDB refuses PutItem on a table the role does not name: 400 AccessDeniedException."""
    def start_job_on_another_table(repo):
        edit(repo / "services/iot-callback/serverless.yml",
             "{Effect: Allow, Action: [dynamodb:PutItem, dynamodb:UpdateItem], Resource: !GetAtt JobsTable.Arn}",
             "{Effect: Allow, Action: [dynamodb:PutItem, dynamodb:UpdateItem], "
             "Resource: !Sub 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/some-other-table'}")

    with cloud_with(start_job_on_another_table, services="iot-callback") as cloud:
        response = cloud.api("POST", "/iot-callback/jobs", json={"tenant": "tenant1", "input": {"a": 1, "b": 2}})
        refusal = cloud.wait_for_log_line("AccessDeniedException", "dynamodb:PutItem")

    assert response.status_code == 502 and response.json() == {"message": "Internal server error"}
    assert ("is not authorized to perform: dynamodb:PutItem on resource: "
            "arn:aws:dynamodb:us-east-1:123456789012:table/waitflows-iot-callback-local-jobs because no "
            "identity-based policy allows the dynamodb:PutItem action") in refusal


def test_a_state_machine_role_without_its_direct_integrations_permission_fails_that_task(cloud_with):
    """AWS: a dynamodb:putItem task whose state machine role lacks dynamodb:PutItem fails with
    DynamoDB.AccessDeniedException (then the state machine's own Catch decides)."""
    def order_machine_with_a_role_of_its_own(repo):
        serverless = repo / "services/queue-callback/serverless.yml"
        edit(serverless, "      id: OrderCallback\n",
             "      id: OrderCallback\n      role: !GetAtt OrderMachineWithoutTableRole.Arn\n")
        edit(serverless, "  - Resources:\n", """  - Resources:
      OrderMachineWithoutTableRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Version: '2012-10-17'
            Statement: [{Effect: Allow, Principal: {Service: states.amazonaws.com}, Action: sts:AssumeRole}]
          Policies:
            - PolicyName: queue-and-topic-only
              PolicyDocument:
                Version: '2012-10-17'
                Statement:
                  - {Effect: Allow, Action: [sqs:SendMessage], Resource: !GetAtt OrdersQueue.Arn}
                  - {Effect: Allow, Action: [sns:Publish], Resource: !Ref OrderEventsTopic}
""")

    with cloud_with(order_machine_with_a_role_of_its_own, services="queue-callback") as cloud:
        started = cloud.api("POST", "/queue-callback/orders", json={"item": "tea", "quantity": 1}).json()
        execution = cloud.wait_for_execution(started["executionArn"], timeout=60)
        states = cloud.states_entered(started["executionArn"])

    assert execution["status"] == "FAILED"
    assert execution["error"] == "DynamoDB.AccessDeniedException"
    assert "is not authorized to perform: dynamodb:PutItem" in execution["cause"]
    assert states[-1] == "GracefulFail" and "PrepareOrder" not in states


def test_a_queue_that_hides_a_message_for_less_than_its_consumers_timeout_cannot_be_mapped(cloud_with):
    """AWS: CreateEventSourceMapping -> "Invalid request provided: Queue visibility timeout: 2 seconds is less than
    Function timeout: 8 seconds": the deploy fails, nothing runs."""
    def hide_for_two_seconds(repo):
        edit(repo / "services/queue-callback/serverless.yml",
             "VisibilityTimeout: ${self:custom.settings.taskVisibilityTimeoutSeconds}", "VisibilityTimeout: 2")

    with pytest.raises(pytest.fail.Exception) as refused:
        with cloud_with(hide_for_two_seconds, services="queue-callback"):
            pass

    assert ("AWS::Lambda::EventSourceMapping of waitflows-queue-callback-local-consumeOrders cannot be created: "
            "Invalid request provided: Queue visibility timeout: 2 seconds is less than Function timeout: 8 seconds"
            ) in str(refused.value)
