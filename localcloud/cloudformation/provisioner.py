"""Create a template's data resources (tables, queues, topics, secrets, identities, activities) through the AWS API.

The same function builds them in the local cloud and, under moto's mock_aws, in the integration tests: a test's
table is the one serverless.yml declares, so the two cannot drift apart. Resources that are code or wiring
(functions, APIs, state machines, rules, roles) are the local cloud's other parts' business and are skipped here.
"""
import json
import logging
import re
import secrets
from typing import Any, Callable

from localcloud.cloudformation.stack import ServiceStack

log = logging.getLogger("localcloud.cloudformation.provisioner")

# Declared in templates, realised elsewhere (or meaningless without AWS itself).
HANDLED_ELSEWHERE = {
    "AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Permission", "AWS::Lambda::LayerVersion",
    "AWS::Lambda::EventSourceMapping", "AWS::Logs::LogGroup", "AWS::IAM::Role", "AWS::IAM::Policy",
    "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::StepFunctions::StateMachine", "AWS::Events::Rule",
    "AWS::IoT::TopicRule", "AWS::IoT::Policy", "AWS::CloudWatch::Alarm",
}
_API_GATEWAY = "AWS::ApiGateway::"


def _dynamodb_table(stack: ServiceStack, logical_id: str, props: dict, clients) -> dict:
    args = {k: props[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
                                  "LocalSecondaryIndexes", "StreamSpecification", "ProvisionedThroughput") if k in props}
    name = stack.attributes(logical_id)["Ref"]
    ddb = clients("dynamodb")
    ddb.create_table(TableName=name, BillingMode=props.get("BillingMode", "PROVISIONED"), **args)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    return {}


_QUEUE_ATTRIBUTES = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
                     "VisibilityTimeout", "FifoQueue", "ContentBasedDeduplication", "RedrivePolicy")


def _sqs_queue(stack: ServiceStack, logical_id: str, props: dict, clients) -> dict:
    attributes = {k: (json.dumps(props[k]) if isinstance(props[k], dict) else str(props[k]).lower()
                      if isinstance(props[k], bool) else str(props[k]))
                  for k in _QUEUE_ATTRIBUTES if k in props}
    sqs = clients("sqs")
    url = sqs.create_queue(QueueName=stack.attributes(logical_id)["QueueName"], Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {"Ref": url, "QueueUrl": url, "Arn": arn}


def _sns_topic(stack: ServiceStack, logical_id: str, props: dict, clients) -> dict:
    sns = clients("sns")
    arn = sns.create_topic(Name=stack.attributes(logical_id)["TopicName"])["TopicArn"]
    for subscription in props.get("Subscription", []):
        sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
    return {"Ref": arn, "TopicArn": arn}


def _sns_subscription(stack: ServiceStack, logical_id: str, props: dict, clients) -> dict:
    arn = clients("sns").subscribe(TopicArn=props["TopicArn"], Protocol=props["Protocol"],
                                   Endpoint=props["Endpoint"])["SubscriptionArn"]
    return {"Ref": arn}


def _secret(stack: ServiceStack, logical_id: str, props: dict, clients) -> dict:
    value = props.get("SecretString")
    if value is None:
        # Like CloudFormation's GenerateSecretString: a fresh random secret, never written anywhere but the service.
        length = int(props.get("GenerateSecretString", {}).get("PasswordLength", 32))
        value = secrets.token_urlsafe(length)[:length]
    arn = clients("secretsmanager").create_secret(Name=stack.attributes(logical_id)["Name"], SecretString=value)["ARN"]
    return {"Ref": arn}


def _ssm_parameter(stack: ServiceStack, logical_id: str, props: dict, clients) -> dict:
    name = props.get("Name") or f"/{stack.stack_name}/{logical_id}"
    clients("ssm").put_parameter(Name=name, Value=str(props["Value"]), Type=props.get("Type", "String"),
                                 Overwrite=True)
    return {"Ref": name}


def _email_identity(stack: ServiceStack, logical_id: str, props: dict, clients) -> dict:
    # The local cloud's SES trusts every declared identity at once; AWS mails the address a verification link.
    clients("ses").verify_email_identity(EmailAddress=props["EmailIdentity"])
    return {}


def _activity(stack: ServiceStack, logical_id: str, props: dict, clients) -> dict:
    arn = clients("stepfunctions").create_activity(name=props["Name"])["activityArn"]
    return {"Ref": arn, "Arn": arn}


PROVISIONERS: dict[str, Callable[..., dict]] = {
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::SQS::Queue": _sqs_queue,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::SNS::Subscription": _sns_subscription,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::SSM::Parameter": _ssm_parameter,
    "AWS::SES::EmailIdentity": _email_identity,
    "AWS::StepFunctions::Activity": _activity,
}


def _dependencies(value: Any) -> set[str]:
    """Logical ids a value refers to, so a queue's dead-letter queue exists before the queue."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            arg = value["Fn::GetAtt"]
            found.add(arg[0] if isinstance(arg, list) else arg.split(".")[0])
        if "Fn::Sub" in value:
            arg = value["Fn::Sub"]
            text = arg if isinstance(arg, str) else arg[0]
            found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text) if "::" not in name}
        for v in value.values():
            found |= _dependencies(v)
    elif isinstance(value, list):
        for v in value:
            found |= _dependencies(v)
    return found


def provision(stack: ServiceStack, clients: Callable[[str], Any]) -> list[str]:
    """Create every data resource of the stack, dependencies first. Returns the logical ids created.

    clients(service_name) returns a boto3 client (the local cloud's endpoint, or moto's mock in tests).
    """
    created: list[str] = []
    pending = {lid: r for lid, r in stack.resources.items() if r.get("Type") in PROVISIONERS}

    def create(logical_id: str, seen: tuple = ()) -> None:
        if logical_id in created or logical_id not in pending:
            return
        if logical_id in seen:
            raise ValueError(f"{stack.service}: resources refer to each other in a cycle: {seen}")
        resource = pending[logical_id]
        for dependency in _dependencies(resource.get("Properties", {})):
            create(dependency, seen + (logical_id,))
        props = stack.resolve(resource.get("Properties", {}))
        stack.set_physical(logical_id, **PROVISIONERS[resource["Type"]](stack, logical_id, props, clients))
        created.append(logical_id)

    for logical_id, resource in stack.resources.items():
        kind = resource.get("Type", "")
        if kind in PROVISIONERS:
            create(logical_id)
        elif kind not in HANDLED_ELSEWHERE and not kind.startswith(_API_GATEWAY):
            log.warning("%s: %s (%s) is not created by the local cloud", stack.service, logical_id, kind)
    return created
