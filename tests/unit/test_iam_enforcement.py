"""The edge's IAM check: who signed a request, what its role allows, and what a refused caller sees."""
import json

import pytest

from localcloud.iam.enforcement import Enforcer
from localcloud.iam.roles import RoleSession
from tests.support.signed_requests import ACCESS_KEY_ID, signed_request

TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/approvals"


class OneSession:
    """Roles as the enforcer sees them: the signed requests' key belongs to one function's session."""

    def __init__(self, *statements):
        self.session = RoleSession("approval-page-role", "waitflows-approval-local-showApproval", ACCESS_KEY_ID,
                                   "fake-secret", "fake-token")
        self.statements = list(statements)

    def session_of(self, access_key_id):
        return self.session if access_key_id == self.session.access_key_id else None

    def policies(self, role_name):
        assert role_name == "approval-page-role"
        return [{"Version": "2012-10-17", "Statement": self.statements}]


class Names:
    def secret_arn(self, secret_id):
        return secret_id

    def ses_identity(self, address):
        return address


def enforcer(roles) -> Enforcer:
    return Enforcer(roles, Names(), region="us-east-1", account="123456789012")


def check(roles, request, **header_changes):
    headers = {**request.headers, **header_changes}
    return enforcer(roles).check(request.method, request.path, request.query, headers, request.body)


def get_item():
    return signed_request("dynamodb", "get_item", TableName="approvals", Key={"approvalId": {"S": "a"}})


def test_a_call_the_role_allows_goes_on():
    roles = OneSession({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE_ARN})
    assert check(roles, get_item()) is None


def test_a_call_the_role_does_not_allow_is_refused_as_dynamodb_refuses_it():
    roles = OneSession({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE_ARN})

    status, headers, body = check(roles, get_item())

    assert status == 400
    answer = json.loads(body)
    assert answer["__type"].endswith("AccessDeniedException")
    assert answer["message"] == (
        "User: arn:aws:sts::123456789012:assumed-role/approval-page-role/waitflows-approval-local-showApproval is not "
        f"authorized to perform: dynamodb:GetItem on resource: {TABLE_ARN} because no identity-based policy allows "
        "the dynamodb:GetItem action")


def test_an_explicit_deny_is_named_as_such():
    roles = OneSession({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
                       {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": TABLE_ARN})
    _, _, body = check(roles, get_item())
    assert json.loads(body)["message"].endswith("with an explicit deny in an identity-based policy")


def test_ses_is_refused_in_its_own_xml_with_access_denied():
    roles = OneSession({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
    request = signed_request("ses", "send_email", Source="workflows@example.com",
                             Destination={"ToAddresses": ["approver@example.com"]},
                             Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})

    status, _, body = check(roles, request)

    assert status == 403 and b"<Code>AccessDenied</Code>" in body and b"ses:SendEmail" in body


def test_the_developers_own_credentials_act_as_an_administrators():
    roles = OneSession()
    request = get_item()
    other_key = request.headers["Authorization"].replace(ACCESS_KEY_ID, "AKIADEVELOPER0000001")
    assert check(roles, request, Authorization=other_key) is None


def test_a_function_signing_with_credentials_it_made_up_is_refused():
    roles = OneSession()
    request = get_item()
    made_up = request.headers["Authorization"].replace(ACCESS_KEY_ID, "AKIAMADEUP0000000001")
    user_agent = "Boto3/1.38.36 md/Botocore#1.38.36 ua/2.1 os/linux lang/python#3.12 exec-env/AWS_Lambda_python3.12"

    status, _, body = check(roles, request, Authorization=made_up, **{"User-Agent": user_agent})

    assert status == 400 and json.loads(body)["__type"] == "UnrecognizedClientException"


def test_a_session_key_with_another_sessions_token_is_refused():
    roles = OneSession({"Effect": "Allow", "Action": "*", "Resource": "*"})
    status, _, _ = check(roles, get_item(), **{"X-Amz-Security-Token": "not-this-sessions"})
    assert status == 400


def test_unsigned_requests_are_not_iams_business():
    roles = OneSession()
    assert enforcer(roles).check("GET", "/_localcloud/health", {}, {}, b"") is None


@pytest.mark.parametrize("operation, params, action", [
    ("send_task_success", {"taskToken": "t", "output": "{}"}, "states:SendTaskSuccess"),
    ("send_task_heartbeat", {"taskToken": "t"}, "states:SendTaskHeartbeat"),
])
def test_task_callbacks_are_judged_on_any_resource(operation, params, action):
    allowed = OneSession({"Effect": "Allow", "Action": action, "Resource": "*"})
    narrowed = OneSession({"Effect": "Allow", "Action": action,
                           "Resource": "arn:aws:states:us-east-1:123456789012:stateMachine:one"})
    request = signed_request("stepfunctions", operation, **params)
    assert check(allowed, request) is None
    assert check(narrowed, request)[0] == 400
