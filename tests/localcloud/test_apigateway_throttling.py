"""The local API Gateway pushes back where AWS does: THROTTLED (429) over a stage's or the account's limits, and a
throttled Lambda (TooManyRequestsException) answered as API Gateway answers it, an INTEGRATION_FAILURE: a bare 500
unless the API customises it, as every serverless.yml here does (429 with Retry-After)."""
import json

import threading

import boto3
import pytest
from botocore.config import Config
from werkzeug.serving import make_server
from werkzeug.test import Client

from localcloud.apigateway.rest_api import ApiGateway
from localcloud.apigateway.throttling import Limits, TokenBucket
from localcloud.cloudformation.stack import ServiceStack
from localcloud.edge.server import throttled_response
from localcloud.lambda_.runtime import InvokeResult, Throttled

FUNCTION = "waitflows-iot-callback-dev-startJob"
PUSHED_BACK = {  # services/serverless.common.yml's two customisations
    "ThrottledResponse": "THROTTLED", "FunctionThrottledResponse": "INTEGRATION_FAILURE"}


def template(*, customised: bool, stage_description: dict | None = None) -> dict:
    resources = {
        "ApiGatewayRestApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "dev-iot"}},
        "ApiGatewayResourceJobs": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "ParentId": {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}, "PathPart": "jobs"}},
        "ApiGatewayMethodJobsPost": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "HttpMethod": "POST", "ResourceId": {"Ref": "ApiGatewayResourceJobs"},
            "Integration": {"Type": "AWS_PROXY", "Uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                            f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}/invocations"}}},
        "ApiGatewayDeployment1": {"Type": "AWS::ApiGateway::Deployment", "Properties": {
            "StageName": "dev", **({"StageDescription": stage_description} if stage_description else {})}},
    }
    if customised:
        for logical_id, response_type in PUSHED_BACK.items():
            resources[logical_id] = {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {
                "ResponseType": response_type, "StatusCode": "429",
                "ResponseParameters": {"gatewayresponse.header.Retry-After": "'1'"},
                "ResponseTemplates": {"application/json": '{"message": "Too Many Requests"}'}}}
    return {"Resources": resources}


class Function:
    """The Lambda behind the route: answers 202, or is throttled as Lambda throttles it."""

    def __init__(self, throttled: bool = False):
        self.throttled, self.calls = throttled, 0

    def __call__(self, name, payload, *, source_arn, invocation_type="RequestResponse"):
        self.calls += 1
        if self.throttled:
            raise Throttled(name)
        return InvokeResult(json.dumps({"statusCode": 202, "body": "{}"}).encode(), None, "r", 1.0, ())


def api(function: Function, **template_options) -> Client:
    stack = ServiceStack("iot-callback", "dev", template(**template_options))
    return Client(ApiGateway([stack], invoke=function, start_execution=None, stage="dev",
                             base_url="http://127.0.0.1:3000"))


def test_given_the_function_is_throttled_and_no_customisation_then_the_caller_gets_aws_bare_500():
    response = api(Function(throttled=True), customised=False).post("/iot-callback/jobs", json={})

    assert response.status_code == 500 and response.get_json() == {"message": "Internal server error"}
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert "Retry-After" not in response.headers


def test_given_the_function_is_throttled_when_integration_failure_is_customised_then_429_with_retry_after():
    response = api(Function(throttled=True), customised=True).post("/iot-callback/jobs", json={})

    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response.get_json() == {"message": "Too Many Requests"}


@pytest.mark.parametrize("stage_description", [
    {"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.001},
    {"MethodSettings": [{"ResourcePath": "/~1jobs", "HttpMethod": "POST", "ThrottlingBurstLimit": 2,
                         "ThrottlingRateLimit": 0.001}]},
], ids=["stage-wide", "method"])
def test_given_stage_throttling_when_a_burst_exceeds_it_then_the_rest_is_throttled_before_the_function(
        stage_description):
    function = Function()
    client = api(function, customised=True, stage_description=stage_description)

    statuses = [client.post("/iot-callback/jobs", json={}).status_code for _ in range(4)]

    assert statuses == [202, 202, 429, 429] and function.calls == 2


def test_given_stage_throttling_and_no_customisation_then_throttled_is_aws_429_without_retry_after():
    client = api(Function(), customised=False, stage_description={"ThrottlingBurstLimit": 1,
                                                                   "ThrottlingRateLimit": 0.001})
    client.post("/iot-callback/jobs", json={})

    response = client.post("/iot-callback/jobs", json={})

    assert response.status_code == 429 and response.get_json() == {"message": "Too Many Requests"}
    assert "Retry-After" not in response.headers


def test_a_token_bucket_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(Limits(rate=2, burst=1), clock=lambda: now[0])

    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 0.5
    assert bucket.take()


def test_the_edges_lambda_throttle_is_what_boto3_reads_as_lambdas_too_many_requests():
    """Parity with botocore's model of Invoke's error: its code, Reason and Retry-After (retryAfterSeconds)."""
    server = make_server("127.0.0.1", 0, lambda environ, start: throttled_response(Throttled(FUNCTION))(environ, start))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{server.server_port}", region_name="us-east-1",
                              aws_access_key_id="x", aws_secret_access_key="x",
                              config=Config(retries={"total_max_attempts": 1}))
        with pytest.raises(client.exceptions.TooManyRequestsException) as raised:
            client.invoke(FunctionName=FUNCTION, Payload=b"{}")
    finally:
        server.shutdown()

    error = raised.value.response
    assert error["Error"]["Message"] == "Rate Exceeded." and error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert (error["Reason"], error["retryAfterSeconds"]) == ("ReservedFunctionConcurrentInvocationLimitExceeded", "1")
