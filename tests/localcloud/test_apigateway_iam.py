"""An aws_iam method of the local API Gateway refuses as API Gateway does: no signature, a bad one, or a principal
whose policies do not allow execute-api:Invoke on the method; a caller its role allows reaches the integration."""
import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto import mock_aws
from werkzeug.test import Client

from localcloud.apigateway.iam_authorization import IamAuthorization
from localcloud.apigateway.rest_api import ApiGateway
from localcloud.cloudformation.stack import ServiceStack
from localcloud.iam.roles import Roles

BASE = "http://127.0.0.1:3000"
URL = f"{BASE}/third-party-api/double"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:third-party-api/local/POST/double"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TEMPLATE = {"Resources": {
    "ApiGatewayRestApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "third-party-api"}},
    "ApiGatewayResourceDouble": {"Type": "AWS::ApiGateway::Resource", "Properties": {
        "ParentId": {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}, "PathPart": "double",
        "RestApiId": {"Ref": "ApiGatewayRestApi"}}},
    "ApiGatewayMethodDoublePost": {"Type": "AWS::ApiGateway::Method", "Properties": {
        "HttpMethod": "POST", "AuthorizationType": "AWS_IAM",
        "ResourceId": {"Ref": "ApiGatewayResourceDouble"}, "RestApiId": {"Ref": "ApiGatewayRestApi"},
        "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                        "Uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                               "arn:aws:lambda:us-east-1:123456789012:function:double/invocations"}}},
}}


def _policy(*statements):
    return [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)}}]


@pytest.fixture
def world():
    with mock_aws():
        roles = Roles(lambda service: boto3.client(service, region_name="us-east-1"))
        roles.create("request-double", {"AssumeRolePolicyDocument": LAMBDA_TRUST, "Policies": _policy(
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": METHOD_ARN})})
        roles.create("calculate", {"AssumeRolePolicyDocument": LAMBDA_TRUST, "Policies": _policy(
            {"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"})})
        roles.create("denied", {"AssumeRolePolicyDocument": LAMBDA_TRUST, "Policies": _policy(
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
            {"Effect": "Deny", "Action": "execute-api:*", "Resource": METHOD_ARN})})
        invoked = []

        def invoke(function, payload, *, source_arn):
            invoked.append((function, json.loads(payload)))
            return SimpleNamespace(function_error=None, payload=json.dumps({"statusCode": 202, "body": "{}"}))

        api = ApiGateway([ServiceStack("third-party-api", "local", TEMPLATE)], invoke=invoke,
                         start_execution=None, stage="local", base_url=BASE,
                         iam=IamAuthorization(roles, region="us-east-1", account="123456789012"))
        session = {name: roles.session(f"arn:aws:iam::123456789012:role/{name}", name, "lambda.amazonaws.com")
                   for name in ("request-double", "calculate", "denied")}
        yield SimpleNamespace(client=Client(api), session=session, invoked=invoked)


def signed(session, body: bytes = b'{"number": 1, "taskToken": "t"}', *, secret: str | None = None,
           token: str | None = None) -> dict:
    credentials = Credentials(session.access_key_id, secret or session.secret_access_key,
                              token or session.session_token)
    request = AWSRequest(method="POST", url=URL, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def post(world, headers: dict, body: bytes = b'{"number": 1, "taskToken": "t"}'):
    return world.client.post("/third-party-api/double", base_url=BASE, data=body, headers=headers)


def test_an_unsigned_request_is_refused_with_missing_authentication_token(world):
    answer = post(world, {"Content-Type": "application/json"})
    assert answer.status_code == 403
    assert answer.json == {"message": "Missing Authentication Token"}
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert world.invoked == []


def test_a_signature_made_with_another_secret_is_refused_with_the_expected_canonical_request(world):
    answer = post(world, signed(world.session["request-double"], secret="not-the-secret"))
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    message = answer.json["message"]
    assert message.startswith("The request signature we calculated does not match the signature you provided. "
                              "Check your AWS Secret Access Key and signing method. Consult the service "
                              "documentation for details.\n\nThe Canonical String for this request should have "
                              "been\n'POST\n/third-party-api/double\n\ncontent-type:application/json\n"
                              "host:127.0.0.1:3000\n")
    assert "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n" in message
    assert world.invoked == []


def test_a_body_changed_after_signing_is_refused(world):
    headers = signed(world.session["request-double"])
    answer = post(world, headers, body=b'{"number": 2, "taskToken": "t"}')
    assert answer.status_code == 403 and answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_a_session_token_that_is_not_the_sessions_is_refused(world):
    answer = post(world, signed(world.session["request-double"], token="made-up"))
    assert answer.status_code == 403
    assert answer.json == {"message": "The security token included in the request is invalid."}


def test_a_principal_whose_policies_do_not_allow_invoke_is_refused(world):
    answer = post(world, signed(world.session["calculate"]))
    assert answer.status_code == 403
    assert answer.json == {"Message": "User: arn:aws:sts::123456789012:assumed-role/calculate/calculate is not "
                                      "authorized to perform: execute-api:Invoke on resource: "
                                      "arn:aws:execute-api:us-east-1:********9012:third-party-api/local/POST/double"}
    assert answer.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert world.invoked == []


def test_an_explicit_deny_says_so(world):
    answer = post(world, signed(world.session["denied"]))
    assert answer.status_code == 403 and answer.json["Message"].endswith("/POST/double with an explicit deny")


def test_the_principal_its_role_allows_reaches_the_integration(world):
    answer = post(world, signed(world.session["request-double"]))
    assert answer.status_code == 202
    ((function, event),) = world.invoked
    assert function == "double" and json.loads(event["body"]) == {"number": 1, "taskToken": "t"}
