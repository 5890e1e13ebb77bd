"""localcloud.cloudformation.stack.ServiceStack: intrinsic functions resolved the way CloudFormation would, with local names."""
import pytest

from localcloud.cloudformation.stack import ACCOUNT, API_BASE, REGION, ServiceStack, UnresolvableReference

TEMPLATE = {
    "Resources": {
        "ApprovalsTable": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "svc-dev-approvals"}},
        "WorkQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "svc-dev-work"}},
        "ApiGatewayRestApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "dev-svc"}},
        "DoLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "svc-dev-do"}},
        "LinkKey": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "svc/dev/link-key"}},
        "Unnamed": {"Type": "AWS::SNS::Topic", "Properties": {}},
    },
    "Outputs": {
        "TableName": {"Value": {"Ref": "ApprovalsTable"}},
        "Url": {"Value": {"Fn::Join": ["", ["https://", {"Ref": "ApiGatewayRestApi"}, ".execute-api.",
                                            {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/dev/double"]]}},
    },
}


@pytest.fixture
def stack():
    return ServiceStack("third-party-api", "dev", TEMPLATE)


def test_given_a_ref_to_a_named_resource_when_it_is_resolved_then_it_is_the_physical_name(stack):
    assert stack.resolve({"Ref": "ApprovalsTable"}) == "svc-dev-approvals"
    assert stack.resolve({"Ref": "DoLambdaFunction"}) == "svc-dev-do"
    assert stack.resolve({"Ref": "WorkQueue"}) == f"http://127.0.0.1:4566/{ACCOUNT}/svc-dev-work"


def test_given_a_ref_to_a_pseudo_parameter_when_it_is_resolved_then_it_is_the_local_value(stack):
    assert stack.resolve({"Ref": "AWS::Region"}) == REGION
    assert stack.resolve({"Ref": "AWS::AccountId"}) == ACCOUNT
    assert stack.resolve({"Ref": "AWS::Partition"}) == "aws"


def test_given_a_resource_without_a_name_when_it_is_resolved_then_it_gets_a_stack_derived_name(stack):
    assert stack.resolve({"Fn::GetAtt": ["Unnamed", "TopicName"]}) == "waitflows-third-party-api-dev-Unnamed"


@pytest.mark.parametrize("get_att", [["ApprovalsTable", "Arn"], "ApprovalsTable.Arn"])
def test_given_get_att_in_list_or_dotted_form_when_it_is_resolved_then_it_is_the_attribute(stack, get_att):
    assert stack.resolve({"Fn::GetAtt": get_att}) == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/svc-dev-approvals"


def test_given_a_join_when_it_is_resolved_then_its_parts_are_resolved_and_joined(stack):
    value = {"Fn::Join": ["/", ["tables", {"Ref": "ApprovalsTable"}, {"Fn::GetAtt": ["DoLambdaFunction", "Arn"]}]]}

    assert stack.resolve(value) == f"tables/svc-dev-approvals/arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc-dev-do"


def test_given_a_sub_when_it_is_resolved_then_refs_attributes_variables_and_escapes_are_replaced(stack):
    value = {"Fn::Sub": ["${ApprovalsTable}|${DoLambdaFunction.Arn}|${AWS::Region}|${Extra}|${!Literal}",
                         {"Extra": {"Ref": "WorkQueue"}}]}

    assert stack.resolve(value) == (f"svc-dev-approvals|arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc-dev-do|"
                                    f"{REGION}|http://127.0.0.1:4566/{ACCOUNT}/svc-dev-work|${{Literal}}")


def test_given_a_sub_in_its_short_form_when_it_is_resolved_then_it_is_replaced(stack):
    value = {"Fn::Sub": "arn:${AWS::Partition}:s3:::${ApprovalsTable}"}

    assert stack.resolve(value) == "arn:aws:s3:::svc-dev-approvals"


def test_given_an_execute_api_url_when_it_is_resolved_then_it_points_at_the_local_api_gateway(stack):
    assert stack.outputs()["Url"] == f"{API_BASE}/third-party-api/double"
    assert stack.resolve("https://abc123.execute-api.eu-west-1.amazonaws.com/prod") == f"{API_BASE}/abc123"


def test_given_a_url_that_is_not_execute_api_when_it_is_resolved_then_it_is_unchanged(stack):
    assert stack.resolve("https://example.com/dev/double") == "https://example.com/dev/double"


def test_given_no_value_in_a_list_when_it_is_resolved_then_the_item_is_dropped(stack):
    assert stack.resolve(["a", {"Ref": "AWS::NoValue"}, "b"]) == ["a", "b"]


def test_given_nested_properties_when_they_are_resolved_then_every_level_is_resolved(stack):
    value = {"Variables": {"TABLE": {"Ref": "ApprovalsTable"}, "LIST": [{"Ref": "AWS::Region"}], "N": 5}}

    assert stack.resolve(value) == {"Variables": {"TABLE": "svc-dev-approvals", "LIST": [REGION], "N": 5}}


def test_given_a_physical_value_set_by_a_provisioner_when_it_is_resolved_then_that_value_wins(stack):
    stack.set_physical("LinkKey", Ref="arn:aws:secretsmanager:us-east-1:123456789012:secret:svc/dev/link-key-AbCdEf")

    assert stack.resolve({"Ref": "LinkKey"}).endswith("link-key-AbCdEf")
    assert stack.resolve({"Fn::GetAtt": ["LinkKey", "Name"]}) == "svc/dev/link-key"


@pytest.mark.parametrize("value, message", [
    ({"Ref": "NoSuchThing"}, "no resource 'NoSuchThing'"),
    ({"Fn::GetAtt": ["ApprovalsTable", "Nonsense"]}, "no attribute 'Nonsense'"),
    ({"Fn::If": ["Cond", "a", "b"]}, "does not resolve Fn::If"),
    ({"Fn::ImportValue": "x"}, "env.json"),
])
def test_given_a_reference_that_cannot_be_resolved_when_it_is_resolved_then_it_says_what(stack, value, message):
    with pytest.raises(UnresolvableReference, match=message):
        stack.resolve(value)


def test_given_a_serverless_template_when_its_stack_name_is_read_then_it_comes_from_the_bucket_export():
    template = {"Resources": {}, "Outputs": {"ServerlessDeploymentBucketName": {
        "Value": "b", "Export": {"Name": "sls-waitflows-approval-dev-ServerlessDeploymentBucketName"}}}}

    assert ServiceStack("approval", "dev", template).stack_name == "waitflows-approval-dev"


def test_given_an_iot_policy_when_its_ref_is_resolved_then_it_is_the_policy_name_as_on_aws():
    stack = ServiceStack("iot-callback", "local", {"Resources": {"TenantWorkerPolicy": {
        "Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "waitflows-tenant-worker-local",
                                                   "PolicyDocument": {"Statement": []}}}}})

    assert stack.resolve({"Ref": "TenantWorkerPolicy"}) == "waitflows-tenant-worker-local"
    assert stack.resolve({"Fn::GetAtt": ["TenantWorkerPolicy", "Arn"]}) == \
        f"arn:aws:iot:{REGION}:{ACCOUNT}:policy/waitflows-tenant-worker-local"
