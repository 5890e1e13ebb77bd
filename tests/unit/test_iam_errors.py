"""localcloud/iam/errors.py: an AccessDenied is read by botocore exactly as AWS's own answer would be.

Each case is a real boto3 request, identified, refused, and the refusal parsed by botocore's parser for that
service's protocol and operation: a boto3 user must see AWS's error code, message and HTTP status.
"""
import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.exceptions import ClientError
from botocore.parsers import create_parser

from localcloud.iam.errors import access_denied
from localcloud.iam.requests import identify
from tests.support.signed_requests import ACCOUNT, REGION, answered, signed_request

ARN = f"{REGION}:{ACCOUNT}"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/waitflows-dev-approval-role/requestApproval"
NOT_ALLOWED = "because no identity-based policy allows the"
SECRET = f"arn:aws:secretsmanager:{ARN}:secret:approval/dev/link-key-AbC123"
KEY = {"jobId": {"S": "j-1"}}
MAIL = {"Source": "noreply@example.com", "Destination": {"ToAddresses": ["approver@example.org"]},
        "Message": {"Subject": {"Data": "Approve?"}, "Body": {"Text": {"Data": "Please"}}}}


class FakeNames:
    def secret_arn(self, secret_id):
        return SECRET

    def ses_identity(self, address):
        return address


def call_of(service, operation, **params):
    request = signed_request(service, operation, **params)
    return identify(request.method, request.path, request.query, request.headers, request.body,
                    region=REGION, account=ACCOUNT, names=FakeNames())


def parsed_by_botocore(call, response):
    """The error dict botocore builds from `response` for this operation of this service."""
    status, headers, body = response
    operation = botocore.session.get_session().get_service_model(call.api).operation_model(call.operation)
    parser = create_parser(operation.service_model.resolved_protocol)
    return parser.parse({"status_code": status, "headers": HeadersDict(headers), "body": body},
                        operation.output_shape)


# service, operation, params, HTTP status, error code, message
REFUSALS = [
    ("dynamodb", "put_item", {"TableName": "jobs", "Item": KEY}, 400, "AccessDeniedException",
     f"User: {PRINCIPAL} is not authorized to perform: dynamodb:PutItem on resource: "
     f"arn:aws:dynamodb:{ARN}:table/jobs {NOT_ALLOWED} dynamodb:PutItem action"),
    ("stepfunctions", "start_execution", {"stateMachineArn": f"arn:aws:states:{ARN}:stateMachine:orchestrator"},
     400, "AccessDeniedException",
     f"User: {PRINCIPAL} is not authorized to perform: states:StartExecution on resource: "
     f"arn:aws:states:{ARN}:stateMachine:orchestrator {NOT_ALLOWED} states:StartExecution action"),
    ("stepfunctions", "send_task_success", {"taskToken": "t", "output": "{}"}, 400, "AccessDeniedException",
     f"User: {PRINCIPAL} is not authorized to perform: states:SendTaskSuccess {NOT_ALLOWED} states:SendTaskSuccess "
     "action"),
    # Secrets Manager evaluates the complete ARN but names the secret as the caller did.
    ("secretsmanager", "get_secret_value", {"SecretId": "approval/dev/link-key"}, 400, "AccessDeniedException",
     f"User: {PRINCIPAL} is not authorized to perform: secretsmanager:GetSecretValue on resource: "
     f"approval/dev/link-key {NOT_ALLOWED} secretsmanager:GetSecretValue action"),
    ("ses", "send_email", MAIL, 403, "AccessDenied",
     f"User `{PRINCIPAL}' is not authorized to perform `ses:SendEmail' on resource "
     f"`arn:aws:ses:{ARN}:identity/noreply@example.com'"),
    ("rds", "create_db_snapshot", {"DBInstanceIdentifier": "orders-db", "DBSnapshotIdentifier": "snap-1"},
     403, "AccessDenied",
     f"User: {PRINCIPAL} is not authorized to perform: rds:CreateDBSnapshot on resource: "
     f"arn:aws:rds:{ARN}:db:orders-db {NOT_ALLOWED} rds:CreateDBSnapshot action"),
    ("sns", "publish", {"TopicArn": f"arn:aws:sns:{ARN}:results", "Message": "m"}, 403, "AuthorizationError",
     f"User: {PRINCIPAL} is not authorized to perform: SNS:Publish on resource: arn:aws:sns:{ARN}:results "
     f"{NOT_ALLOWED} SNS:Publish action"),
    ("sqs", "send_message_batch", {"QueueUrl": f"http://127.0.0.1:4566/{ACCOUNT}/orders",
                                   "Entries": [{"Id": "1", "MessageBody": "m"}]}, 403, "AccessDenied",
     f"User: {PRINCIPAL} is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:{ARN}:orders "
     f"{NOT_ALLOWED} sqs:sendmessage action"),
    ("lambda", "invoke", {"FunctionName": "double", "Qualifier": "live", "Payload": b"{}"}, 403,
     "AccessDeniedException",
     f"User: {PRINCIPAL} is not authorized to perform: lambda:InvokeFunction on resource: "
     f"arn:aws:lambda:{ARN}:function:double:live {NOT_ALLOWED} lambda:InvokeFunction action"),
    ("iot-data", "publish", {"topic": "tenants/tenant1/jobs/j-1", "qos": 1, "payload": b"{}"}, 403,
     "ForbiddenException", "Forbidden"),
    # Services without a recorded answer of their own answer as their protocol does.
    ("iot", "describe_endpoint", {"endpointType": "iot:Data-ATS"}, 403, "AccessDeniedException",
     f"User: {PRINCIPAL} is not authorized to perform: iot:DescribeEndpoint {NOT_ALLOWED} iot:DescribeEndpoint "
     "action"),
    ("events", "put_events", {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}"}]}, 400,
     "AccessDeniedException",
     f"User: {PRINCIPAL} is not authorized to perform: events:PutEvents on resource: "
     f"arn:aws:events:{ARN}:event-bus/default {NOT_ALLOWED} events:PutEvents action"),
    ("logs", "create_log_stream", {"logGroupName": "/aws/lambda/double", "logStreamName": "s1"}, 400,
     "AccessDeniedException",
     f"User: {PRINCIPAL} is not authorized to perform: logs:CreateLogStream on resource: "
     f"arn:aws:logs:{ARN}:log-group:/aws/lambda/double:log-stream:s1 {NOT_ALLOWED} logs:CreateLogStream action"),
    ("s3", "get_object", {"Bucket": "reports", "Key": "2026/12.csv"}, 403, "AccessDenied",
     f'User: {PRINCIPAL} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::reports/2026/12.csv" '
     f"{NOT_ALLOWED} s3:GetObject action"),
]
CASE_IDS = [f"{service}.{operation}" for service, operation, *_ in REFUSALS]


@pytest.mark.parametrize("service, operation, params, status, code, message", REFUSALS, ids=CASE_IDS)
def test_botocore_reads_the_refusal_as_aws_writes_it(service, operation, params, status, code, message):
    call = call_of(service, operation, **params)
    parsed = parsed_by_botocore(call, access_denied(call, PRINCIPAL, explicit=False, request_id="req-1"))
    assert (parsed["Error"]["Code"], parsed["Error"]["Message"]) == (code, message)
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == status
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"


@pytest.mark.parametrize("service, operation, params, status, code, message", REFUSALS, ids=CASE_IDS)
def test_a_boto3_client_raises_the_error_aws_would(service, operation, params, status, code, message):
    call = call_of(service, operation, **params)
    with pytest.raises(ClientError) as refused:
        answered(service, operation, lambda request: access_denied(call, PRINCIPAL, explicit=False,
                                                                   request_id="req-2"), **params)
    assert refused.value.response["Error"]["Code"] == code
    assert refused.value.response["Error"]["Message"] == message
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_sqs_keeps_its_query_protocol_code_in_the_header_sdks_read_it_from():
    call = call_of("sqs", "send_message", QueueUrl=f"http://127.0.0.1:4566/{ACCOUNT}/orders", MessageBody="m")
    status, headers, _ = access_denied(call, PRINCIPAL, explicit=False, request_id="req-1")
    assert headers["x-amzn-query-error"] == "AccessDenied;Sender"
    assert parsed_by_botocore(call, (status, headers, _))["Error"]["Type"] == "Sender"


def test_lambda_names_its_error_in_a_header():
    call = call_of("lambda", "invoke", FunctionName="double", Payload=b"{}")
    _, headers, _ = access_denied(call, PRINCIPAL, explicit=False, request_id="req-1")
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_an_explicit_deny_says_so():
    call = call_of("dynamodb", "put_item", TableName="jobs", Item=KEY)
    parsed = parsed_by_botocore(call, access_denied(call, PRINCIPAL, explicit=True, request_id="req-1"))
    assert parsed["Error"]["Message"] == (
        f"User: {PRINCIPAL} is not authorized to perform: dynamodb:PutItem on resource: "
        f"arn:aws:dynamodb:{ARN}:table/jobs with an explicit deny in an identity-based policy")


def test_the_message_names_the_resource_that_was_not_allowed():
    # Given a batch over two tables whose first one is allowed
    call = call_of("dynamodb", "batch_write_item", RequestItems={
        "jobs": [{"PutRequest": {"Item": KEY}}], "approvals": [{"PutRequest": {"Item": KEY}}]})
    # When the second table is refused
    response = access_denied(call, PRINCIPAL, explicit=False, request_id="req-1", resource=call.resources[1])
    # Then the message names it
    message = parsed_by_botocore(call, response)["Error"]["Message"]
    assert f"on resource: arn:aws:dynamodb:{ARN}:table/approvals " in message


def test_a_refused_item_of_a_transaction_names_its_own_action():
    call = call_of("dynamodb", "transact_write_items", TransactItems=[
        {"Put": {"TableName": "jobs", "Item": KEY}},
        {"ConditionCheck": {"TableName": "approvals", "Key": KEY, "ConditionExpression": "attribute_exists(jobId)"}}])
    refused = call.permissions[1]
    response = access_denied(call, PRINCIPAL, explicit=False, request_id="req-1", action=refused.action,
                             resource=refused.resources[0])
    assert parsed_by_botocore(call, response)["Error"]["Message"] == (
        f"User: {PRINCIPAL} is not authorized to perform: dynamodb:ConditionCheckItem on resource: "
        f"arn:aws:dynamodb:{ARN}:table/approvals {NOT_ALLOWED} dynamodb:ConditionCheckItem action")


def test_a_message_with_characters_xml_must_escape_survives_the_query_protocol():
    call = call_of("ses", "send_email", **(MAIL | {"Source": "r&d@example.com"}))
    status, headers, body = access_denied(call, PRINCIPAL, explicit=False, request_id="req-1")
    assert b"r&amp;d@example.com" in body
    assert "identity/r&d@example.com'" in parsed_by_botocore(call, (status, headers, body))["Error"]["Message"]
