"""The templates' roles in moto's IAM, the sessions handed out in them, and who may invoke a function."""
import json

import boto3
import pytest
from moto import mock_aws

from localcloud.lambda_.event_source_mappings import QueueMapping, check_queue_permissions
from localcloud.iam.roles import RoleNotAssumable, Roles
from localcloud.lambda_.permissions import InvokeRefused, ResourcePolicies, invoker
from localcloud.cloudformation.stack import ServiceStack

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]}
STATES_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.us-east-1.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}


@pytest.fixture
def roles():
    with mock_aws():
        yield Roles(lambda service: boto3.client(service, region_name="us-east-1"))


def test_a_role_is_created_with_its_policies_and_a_session_names_its_principal(roles):
    roles.create("reader", {"AssumeRolePolicyDocument": LAMBDA_TRUST,
                            "Policies": [{"PolicyName": "read", "PolicyDocument": READ}]})

    session = roles.session("arn:aws:iam::123456789012:role/reader", "my-function", "lambda.amazonaws.com")

    assert roles.policies("reader") == [READ]
    assert session.arn == "arn:aws:sts::123456789012:assumed-role/reader/my-function"
    assert roles.session_of(session.access_key_id) is session
    assert set(session.environment()) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}


def test_a_policy_changed_in_iam_counts_at_once(roles):
    roles.create("reader", {"AssumeRolePolicyDocument": LAMBDA_TRUST})
    boto3.client("iam", region_name="us-east-1").put_role_policy(RoleName="reader", PolicyName="later",
                                                                 PolicyDocument=json.dumps(READ))
    assert roles.policies("reader") == [READ]


def test_a_service_the_trust_policy_does_not_name_cannot_assume_the_role(roles):
    roles.create("machine", {"AssumeRolePolicyDocument": STATES_TRUST})
    with pytest.raises(RoleNotAssumable, match="cannot be assumed by Lambda"):
        roles.session("arn:aws:iam::123456789012:role/machine", "f", "lambda.amazonaws.com")
    # A regional service principal is the service too.
    assert roles.session("arn:aws:iam::123456789012:role/machine", "sm", "states.amazonaws.com")


def stack_with_permission(**permission) -> ServiceStack:
    resources = {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "svc-local-fn"}},
                 "Perm": {"Type": "AWS::Lambda::Permission", "Properties": {
                     "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]}, "Action": "lambda:InvokeFunction",
                     **permission}}}
    return ServiceStack("svc", "local", {"Resources": resources})


def test_a_service_principal_invokes_only_what_a_permission_lets_it():
    policies = ResourcePolicies([stack_with_permission(
        Principal="events.amazonaws.com", SourceArn="arn:aws:events:us-east-1:123456789012:rule/mine")])
    calls = []
    invoke = invoker(policies, lambda *a, **k: calls.append(a), "events.amazonaws.com", "123456789012")

    invoke("svc-local-fn", b"{}", source_arn="arn:aws:events:us-east-1:123456789012:rule/mine")
    with pytest.raises(InvokeRefused):
        invoke("svc-local-fn", b"{}", source_arn="arn:aws:events:us-east-1:123456789012:rule/other")
    with pytest.raises(InvokeRefused):
        invoker(policies, lambda *a, **k: None, "iot.amazonaws.com", "123456789012")(
            "svc-local-fn", b"{}", source_arn="arn:aws:events:us-east-1:123456789012:rule/mine")
    assert len(calls) == 1


def test_api_gateway_permissions_match_every_method_and_path_of_the_api():
    policies = ResourcePolicies([stack_with_permission(
        Principal="apigateway.amazonaws.com", SourceArn="arn:aws:execute-api:us-east-1:123456789012:svc/*/*")])
    assert policies.allows("svc-local-fn", "apigateway.amazonaws.com",
                           "arn:aws:execute-api:us-east-1:123456789012:svc/local/GET/approvals/{approvalId}")
    assert not policies.allows("svc-local-fn", "apigateway.amazonaws.com",
                               "arn:aws:execute-api:us-east-1:123456789012:other/local/GET/x")


def test_an_sqs_event_source_needs_receive_delete_and_attributes_on_its_queue():
    mapping = QueueMapping("svc", "arn:aws:sqs:us-east-1:123456789012:orders", "consume")
    allowed = {"Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                                            "sqs:GetQueueAttributes"], "Resource": mapping.queue_arn}]}
    check_queue_permissions(mapping, [allowed])
    without_delete = {"Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:GetQueueAttributes"],
                                     "Resource": mapping.queue_arn}]}
    with pytest.raises(RuntimeError, match="does not have permissions to call DeleteMessage on SQS"):
        check_queue_permissions(mapping, [without_delete])
