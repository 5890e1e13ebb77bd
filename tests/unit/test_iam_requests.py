"""localcloud/iam/requests.py: what IAM sees of real boto3 requests (signed, captured before they are sent)."""
from urllib.parse import parse_qs, urlsplit

import pytest

from localcloud.iam.names import identity_of
from localcloud.iam.requests import Permission, identify
from tests.support.signed_requests import ACCESS_KEY_ID, ACCOUNT, REGION, aws_client, signed_request

ARN = f"{REGION}:{ACCOUNT}"
TABLE = f"arn:aws:dynamodb:{ARN}:table/jobs"
OTHER_TABLE = f"arn:aws:dynamodb:{ARN}:table/approvals"
MACHINE = f"arn:aws:states:{ARN}:stateMachine:orchestrator"
EXECUTION = f"arn:aws:states:{ARN}:execution:orchestrator:run-1"
ACTIVITY = f"arn:aws:states:{ARN}:activity:queue-work"
QUEUE_URL = f"http://127.0.0.1:4566/{ACCOUNT}/orders"
QUEUE = f"arn:aws:sqs:{ARN}:orders"
TOPIC = f"arn:aws:sns:{ARN}:results"
PARTIAL_SECRET_ARN = f"arn:aws:secretsmanager:{ARN}:secret:approval/dev/link-key"
SECRET = f"{PARTIAL_SECRET_ARN}-AbC123"
KEY = {"jobId": {"S": "j-1"}}


class FakeNames:
    """The local cloud's names: one secret, and the verified SES identities."""

    def __init__(self, verified=("noreply@example.com",)):
        self.verified = set(verified)

    def secret_arn(self, secret_id):
        known = {"approval/dev/link-key", PARTIAL_SECRET_ARN, SECRET}
        return SECRET if secret_id in known else secret_id

    def ses_identity(self, address):
        return identity_of(address, self.verified)


def call_of(service, operation, names=None, **params):
    request = signed_request(service, operation, **params)
    return identify(request.method, request.path, request.query, request.headers, request.body,
                    region=REGION, account=ACCOUNT, names=names or FakeNames())


# --- what every call carries ----------------------------------------------------------------------------------------
def test_an_unsigned_request_is_not_an_aws_call():
    request = signed_request("dynamodb", "get_item", signed=False, TableName="jobs", Key=KEY)
    assert "Authorization" not in request.headers
    assert identify(request.method, request.path, request.query, request.headers, request.body,
                    region=REGION, account=ACCOUNT, names=FakeNames()) is None


def test_a_call_names_its_signer_service_operation_protocol_and_parameters():
    call = call_of("dynamodb", "get_item", TableName="jobs", Key=KEY, ConsistentRead=True)
    assert (call.signing_name, call.service, call.api) == ("dynamodb", "dynamodb", "dynamodb")
    assert (call.operation, call.action, call.protocol) == ("GetItem", "dynamodb:GetItem", "json")
    assert call.access_key_id == ACCESS_KEY_ID
    assert call.params == {"TableName": "jobs", "Key": KEY, "ConsistentRead": True}
    assert call.resource_mapped and call.needs_permission
    assert call.permissions == (Permission("dynamodb:GetItem", (TABLE,)),)


def test_an_operation_without_known_resources_is_evaluated_on_any_resource_and_says_so():
    call = call_of("dynamodb", "list_tables")
    assert (call.action, call.resources, call.resource_mapped) == ("dynamodb:ListTables", ("*",), False)


def test_an_operation_botocore_does_not_know_still_names_its_action():
    request = signed_request("dynamodb", "list_tables")
    headers = request.headers | {"X-Amz-Target": "DynamoDB_20120810.DescribeFutureThing"}
    call = identify(request.method, request.path, request.query, headers, b'{"TableName": "jobs"}',
                    region=REGION, account=ACCOUNT, names=FakeNames())
    assert (call.operation, call.action, call.resources) == ("DescribeFutureThing", "dynamodb:DescribeFutureThing",
                                                             ("*",))
    assert not call.resource_mapped
    assert call.params == {"TableName": "jobs"}


def test_a_presigned_url_is_a_signed_call():
    url = aws_client("s3").generate_presigned_url("get_object", Params={"Bucket": "reports", "Key": "2026/12.csv"})
    parts = urlsplit(url)
    call = identify("GET", parts.path, parse_qs(parts.query), {}, b"", region=REGION, account=ACCOUNT,
                    names=FakeNames())
    assert (call.action, call.resources) == ("s3:GetObject", ("arn:aws:s3:::reports/2026/12.csv",))
    assert call.access_key_id == ACCESS_KEY_ID


# --- DynamoDB -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation, params", [
    ("put_item", {"Item": KEY}),
    ("get_item", {"Key": KEY}),
    ("update_item", {"Key": KEY, "UpdateExpression": "SET s = :s", "ExpressionAttributeValues": {":s": {"S": "x"}}}),
    ("delete_item", {"Key": KEY}),
    ("describe_table", {}),
])
def test_an_item_operation_is_on_its_table(operation, params):
    call = call_of("dynamodb", operation, TableName="jobs", **params)
    assert call.resources == (TABLE,) and call.resource_mapped


@pytest.mark.parametrize("operation", ["query", "scan"])
def test_a_query_or_scan_on_an_index_is_on_the_index_and_without_one_on_the_table(operation):
    extra = {"KeyConditionExpression": "tenant = :t", "ExpressionAttributeValues": {":t": {"S": "t1"}}} \
        if operation == "query" else {}
    on_index = call_of("dynamodb", operation, TableName="jobs", IndexName="byTenant", **extra)
    on_table = call_of("dynamodb", operation, TableName="jobs", **extra)
    assert on_index.resources == (f"{TABLE}/index/byTenant",)
    assert on_table.resources == (TABLE,)


def test_a_table_named_by_its_arn_is_that_table():
    assert call_of("dynamodb", "get_item", TableName=TABLE, Key=KEY).resources == (TABLE,)


def test_a_batch_write_over_two_tables_is_on_both():
    call = call_of("dynamodb", "batch_write_item", RequestItems={
        "jobs": [{"PutRequest": {"Item": KEY}}], "approvals": [{"DeleteRequest": {"Key": KEY}}]})
    assert (call.action, call.resources) == ("dynamodb:BatchWriteItem", (TABLE, OTHER_TABLE))


def test_a_batch_get_over_two_tables_is_on_both():
    call = call_of("dynamodb", "batch_get_item", RequestItems={"jobs": {"Keys": [KEY]}, "approvals": {"Keys": [KEY]}})
    assert (call.action, call.resources) == ("dynamodb:BatchGetItem", (TABLE, OTHER_TABLE))


def test_a_write_transaction_is_authorized_item_by_item_on_every_table():
    # developerguide/transaction-apis-iam.html: no TransactWriteItems permission exists.
    call = call_of("dynamodb", "transact_write_items", TransactItems=[
        {"Put": {"TableName": "jobs", "Item": KEY}},
        {"ConditionCheck": {"TableName": "approvals", "Key": KEY, "ConditionExpression": "attribute_exists(jobId)"}},
        {"Update": {"TableName": "jobs", "Key": KEY, "UpdateExpression": "SET s = :s",
                    "ExpressionAttributeValues": {":s": {"S": "x"}}}},
        {"Put": {"TableName": "approvals", "Item": KEY}},
    ])
    assert call.permissions == (Permission("dynamodb:PutItem", (TABLE, OTHER_TABLE)),
                                Permission("dynamodb:ConditionCheckItem", (OTHER_TABLE,)),
                                Permission("dynamodb:UpdateItem", (TABLE,)))
    assert (call.action, call.resources) == ("dynamodb:PutItem", (TABLE, OTHER_TABLE))


def test_a_read_transaction_is_get_item_on_every_table():
    call = call_of("dynamodb", "transact_get_items", TransactItems=[
        {"Get": {"TableName": "jobs", "Key": KEY}}, {"Get": {"TableName": "approvals", "Key": KEY}}])
    assert call.permissions == (Permission("dynamodb:GetItem", (TABLE, OTHER_TABLE)),)


# --- Step Functions -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation, params, resource", [
    ("start_execution", {"stateMachineArn": MACHINE, "input": "{}"}, MACHINE),
    ("start_sync_execution", {"stateMachineArn": MACHINE}, MACHINE),
    ("describe_state_machine", {"stateMachineArn": MACHINE}, MACHINE),
    ("list_executions", {"stateMachineArn": MACHINE}, MACHINE),
    ("describe_execution", {"executionArn": EXECUTION}, EXECUTION),
    ("get_execution_history", {"executionArn": EXECUTION}, EXECUTION),
    ("stop_execution", {"executionArn": EXECUTION}, EXECUTION),
    ("get_activity_task", {"activityArn": ACTIVITY, "workerName": "w1"}, ACTIVITY),
    ("list_state_machines", {}, "*"),
])
def test_a_step_functions_operation_is_on_its_state_machine_execution_or_activity(operation, params, resource):
    call = call_of("stepfunctions", operation, **params)
    assert call.signing_name == "states" and call.service == "states" and call.api == "stepfunctions"
    assert call.resources == (resource,) and call.resource_mapped


@pytest.mark.parametrize("operation, params", [
    ("send_task_success", {"output": "{}"}),
    ("send_task_failure", {"error": "Rejected"}),
    ("send_task_heartbeat", {}),
])
def test_a_task_callback_is_on_any_resource_for_aws_has_none_for_it(operation, params):
    call = call_of("stepfunctions", operation, taskToken="token", **params)
    assert call.resources == ("*",) and call.resource_mapped


# --- Secrets Manager ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("secret_id", ["approval/dev/link-key", PARTIAL_SECRET_ARN, SECRET])
def test_a_secret_by_name_partial_or_complete_arn_is_its_complete_arn(secret_id):
    assert call_of("secretsmanager", "get_secret_value", SecretId=secret_id).resources == (SECRET,)
    assert call_of("secretsmanager", "describe_secret", SecretId=secret_id).resources == (SECRET,)


# --- SES ------------------------------------------------------------------------------------------------------------
MAIL = {"Destination": {"ToAddresses": ["approver@example.org"]},
        "Message": {"Subject": {"Data": "Approve?"}, "Body": {"Text": {"Data": "Please"}}}}


def test_an_email_is_sent_as_the_identity_of_its_source_address():
    call = call_of("ses", "send_email", Source="Approvals <noreply@example.com>", **MAIL)
    assert call.protocol == "query"
    assert (call.action, call.resources) == ("ses:SendEmail", (f"arn:aws:ses:{ARN}:identity/noreply@example.com",))


def test_an_address_of_a_verified_domain_sends_as_the_domain():
    call = call_of("ses", "send_email", names=FakeNames(verified={"example.com"}), Source="noreply@example.com", **MAIL)
    assert call.resources == (f"arn:aws:ses:{ARN}:identity/example.com",)


def test_a_raw_email_without_source_is_sent_as_its_from_header():
    raw = b"From: Approvals <noreply@example.com>\r\nTo: approver@example.org\r\nSubject: s\r\n\r\nbody"
    call = call_of("ses", "send_raw_email", RawMessage={"Data": raw})
    assert (call.action, call.resources) == ("ses:SendRawEmail", (f"arn:aws:ses:{ARN}:identity/noreply@example.com",))


# --- RDS ------------------------------------------------------------------------------------------------------------
def test_a_db_snapshot_is_created_on_both_the_instance_and_the_snapshot():
    call = call_of("rds", "create_db_snapshot", DBInstanceIdentifier="orders-db", DBSnapshotIdentifier="snap-1")
    assert call.resources == (f"arn:aws:rds:{ARN}:db:orders-db", f"arn:aws:rds:{ARN}:snapshot:snap-1")


def test_describing_snapshots_is_on_the_named_snapshot_or_on_any():
    assert call_of("rds", "describe_db_snapshots", DBSnapshotIdentifier="snap-1").resources == \
        (f"arn:aws:rds:{ARN}:snapshot:snap-1",)
    assert call_of("rds", "describe_db_snapshots").resources == ("*",)


def test_tagging_is_on_the_named_resource():
    snapshot = f"arn:aws:rds:{ARN}:snapshot:snap-1"
    call = call_of("rds", "add_tags_to_resource", ResourceName=snapshot, Tags=[{"Key": "k", "Value": "v"}])
    assert (call.action, call.resources) == ("rds:AddTagsToResource", (snapshot,))


# --- SQS, SNS -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation, params, action", [
    ("send_message", {"MessageBody": "m"}, "sqs:SendMessage"),
    ("send_message_batch", {"Entries": [{"Id": "1", "MessageBody": "m"}]}, "sqs:SendMessage"),
    ("receive_message", {}, "sqs:ReceiveMessage"),
    ("delete_message", {"ReceiptHandle": "r"}, "sqs:DeleteMessage"),
    ("delete_message_batch", {"Entries": [{"Id": "1", "ReceiptHandle": "r"}]}, "sqs:DeleteMessage"),
    ("change_message_visibility", {"ReceiptHandle": "r", "VisibilityTimeout": 5}, "sqs:ChangeMessageVisibility"),
    ("get_queue_attributes", {"AttributeNames": ["All"]}, "sqs:GetQueueAttributes"),
])
def test_a_queue_operation_is_on_the_queue_its_url_names(operation, params, action):
    call = call_of("sqs", operation, QueueUrl=QUEUE_URL, **params)
    assert (call.action, call.resources, call.protocol) == (action, (QUEUE,), "json")


def test_a_queue_url_of_another_account_and_region_names_that_queue():
    call = call_of("sqs", "send_message", QueueUrl="https://sqs.eu-west-1.amazonaws.com/210987654321/orders",
                   MessageBody="m")
    assert call.resources == ("arn:aws:sqs:eu-west-1:210987654321:orders",)


def test_asking_for_a_queue_url_is_on_the_named_queue():
    assert call_of("sqs", "get_queue_url", QueueName="orders").resources == (QUEUE,)


def test_publishing_is_on_the_topic_or_target():
    assert call_of("sns", "publish", TopicArn=TOPIC, Message="m").resources == (TOPIC,)
    endpoint = f"arn:aws:sns:{ARN}:endpoint/GCM/app/1"
    assert call_of("sns", "publish", TargetArn=endpoint, Message="m").resources == (endpoint,)


# --- Lambda ---------------------------------------------------------------------------------------------------------
FUNCTION = f"arn:aws:lambda:{ARN}:function:double"


@pytest.mark.parametrize("function_name, qualifier, resource", [
    ("double", None, FUNCTION),
    (f"{ACCOUNT}:function:double", None, FUNCTION),
    (FUNCTION, None, FUNCTION),
    (f"{FUNCTION}:live", None, f"{FUNCTION}:live"),
    ("double:live", None, f"{FUNCTION}:live"),
    ("double", "7", f"{FUNCTION}:7"),
])
def test_an_invoke_is_on_the_function_qualified_when_a_qualifier_is_given(function_name, qualifier, resource):
    params = {"Qualifier": qualifier} if qualifier else {}
    call = call_of("lambda", "invoke", FunctionName=function_name, Payload=b"{}", **params)
    assert (call.operation, call.action, call.protocol) == ("Invoke", "lambda:InvokeFunction", "rest-json")
    assert call.resources == (resource,)


def test_an_invoke_carries_its_payload_and_headers_as_parameters():
    call = call_of("lambda", "invoke", FunctionName="double", InvocationType="Event", Payload=b'{"n": 2}')
    assert call.params["InvocationType"] == "Event" and call.params["Payload"] == b'{"n": 2}'


# --- IoT, EventBridge, CloudWatch Logs, STS -------------------------------------------------------------------------
def test_publishing_to_iot_is_on_the_topic_though_signed_as_iotdata():
    call = call_of("iot-data", "publish", topic="tenants/tenant1/jobs/j-1", qos=1, payload=b"{}")
    assert (call.signing_name, call.service, call.action) == ("iotdata", "iot", "iot:Publish")
    assert call.resources == (f"arn:aws:iot:{ARN}:topic/tenants/tenant1/jobs/j-1",)


def test_describing_the_iot_endpoint_is_on_any_resource():
    call = call_of("iot", "describe_endpoint", endpointType="iot:Data-ATS")
    assert (call.action, call.resources, call.resource_mapped) == ("iot:DescribeEndpoint", ("*",), True)


def test_putting_events_is_on_every_bus_named_and_the_default_bus_when_none_is():
    bus_arn = f"arn:aws:events:{ARN}:event-bus/audit"
    call = call_of("events", "put_events", Entries=[
        {"Source": "s", "DetailType": "d", "Detail": "{}"},
        {"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "jobs"},
        {"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": bus_arn},
    ])
    assert call.resources == (f"arn:aws:events:{ARN}:event-bus/default", f"arn:aws:events:{ARN}:event-bus/jobs",
                              bus_arn)


@pytest.mark.parametrize("operation, params", [
    ("create_log_stream", {}),
    ("put_log_events", {"logEvents": [{"timestamp": 1, "message": "m"}]}),
])
def test_writing_logs_is_on_the_log_stream(operation, params):
    call = call_of("logs", operation, logGroupName="/aws/lambda/double", logStreamName="2026/12/01/[$LATEST]ab",
                   **params)
    assert call.resources == (f"arn:aws:logs:{ARN}:log-group:/aws/lambda/double:log-stream:2026/12/01/[$LATEST]ab",)


def test_asking_who_one_is_needs_no_permission():
    call = call_of("sts", "get_caller_identity")
    assert (call.action, call.needs_permission) == ("sts:GetCallerIdentity", False)
