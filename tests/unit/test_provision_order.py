"""localcloud.cloudformation.provisioner: data resources are created dependencies first, through whatever clients it is given."""
import pytest

from localcloud.cloudformation.provisioner import provision
from localcloud.cloudformation.stack import ServiceStack


class FakeAws:
    """Records every create call, in order, and answers like the AWS API would."""

    def __init__(self):
        self.created = []

    def __call__(self, service_name):
        return self

    def create_queue(self, QueueName, Attributes):
        self.created.append(("queue", QueueName, Attributes))
        return {"QueueUrl": f"https://sqs.local/{QueueName}"}

    def get_queue_attributes(self, QueueUrl, AttributeNames):
        return {"Attributes": {"QueueArn": f"arn:aws:sqs:us-east-1:111111111111:{QueueUrl.rsplit('/', 1)[-1]}"}}

    def create_table(self, TableName, **kwargs):
        self.created.append(("table", TableName, kwargs))

    def update_time_to_live(self, **kwargs):
        self.created.append(("ttl", kwargs["TableName"], kwargs))

    def create_secret(self, Name, SecretString):
        self.created.append(("secret", Name, SecretString))
        return {"ARN": f"arn:aws:secretsmanager:us-east-1:111111111111:secret:{Name}-AbCdEf"}


def stack(resources):
    return ServiceStack("svc", "dev", {"Resources": resources})


def test_given_a_queue_declared_before_its_dead_letter_queue_when_provisioned_then_the_dlq_comes_first():
    aws = FakeAws()
    s = stack({
        "WorkQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": "work", "VisibilityTimeout": 30,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["WorkDLQ", "Arn"]}, "maxReceiveCount": 3}}},
        "WorkDLQ": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "work-dlq"}},
    })

    created = provision(s, aws)

    assert created == ["WorkDLQ", "WorkQueue"]
    assert [name for kind, name, _ in aws.created] == ["work-dlq", "work"]
    attributes = aws.created[1][2]
    assert '"deadLetterTargetArn": "arn:aws:sqs:us-east-1:111111111111:work-dlq"' in attributes["RedrivePolicy"]
    assert attributes["VisibilityTimeout"] == "30"


def test_given_a_queue_created_when_it_is_referenced_then_the_physical_url_and_arn_from_aws_are_used():
    aws = FakeAws()
    s = stack({"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}}})

    provision(s, aws)

    assert s.resolve({"Ref": "Q"}) == "https://sqs.local/q"
    assert s.resolve({"Fn::GetAtt": ["Q", "Arn"]}) == "arn:aws:sqs:us-east-1:111111111111:q"


def test_given_a_table_with_ttl_when_provisioned_then_it_is_created_then_its_ttl_enabled():
    aws = FakeAws()
    s = stack({"T": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "TableName": "t", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True}}}})

    provision(s, aws)

    assert [(kind, name) for kind, name, _ in aws.created] == [("table", "t"), ("ttl", "t")]
    assert aws.created[0][2]["BillingMode"] == "PAY_PER_REQUEST"


def test_given_a_generated_secret_when_provisioned_then_it_is_random_of_the_declared_length():
    aws = FakeAws()
    s = stack({"K": {"Type": "AWS::SecretsManager::Secret",
                     "Properties": {"Name": "k", "GenerateSecretString": {"PasswordLength": 64}}},
               "K2": {"Type": "AWS::SecretsManager::Secret",
                      "Properties": {"Name": "k2", "GenerateSecretString": {"PasswordLength": 64}}}})

    provision(s, aws)

    (_, _, first), (_, _, second) = aws.created
    assert len(first) == len(second) == 64 and first != second


def test_given_resources_that_are_code_or_wiring_when_provisioned_then_they_are_skipped():
    aws = FakeAws()
    s = stack({"F": {"Type": "AWS::Lambda::Function", "Properties": {}},
               "R": {"Type": "AWS::ApiGateway::Resource", "Properties": {}},
               "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}}})

    assert provision(s, aws) == ["Q"]


def test_given_queues_that_refer_to_each_other_when_provisioned_then_the_cycle_is_refused():
    def queue_redriving_to(other):
        return {"Type": "AWS::SQS::Queue",
                "Properties": {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": f"{other}.Arn"}}}}

    s = stack({"A": queue_redriving_to("B"), "B": queue_redriving_to("A")})

    with pytest.raises(ValueError, match="cycle"):
        provision(s, FakeAws())


def test_given_a_dead_letter_target_written_with_fn_sub_then_the_dlq_is_created_first():
    from localcloud.cloudformation.provisioner import _dependencies
    assert _dependencies({"RedrivePolicy": {"deadLetterTargetArn": {"Fn::Sub": "${Dlq.Arn}"}}}) == {"Dlq"}
    assert _dependencies({"Fn::Sub": ["${Queue}-${AWS::Region}", {}]}) == {"Queue"}
