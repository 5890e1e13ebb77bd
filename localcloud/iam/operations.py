"""Each AWS API operation in IAM's terms: the actions it is authorized as and the ARNs each action is evaluated on.

Sources: the Service Authorization Reference (docs.aws.amazon.com/service-authorization/latest/reference/), each
service's IAM guide, and the resource AWS names in its own AccessDenied messages where the two disagree. An
operation not listed here is still authorized, as `prefix:Operation` on "*", and says so (mapped=False): the edge
can then tell a request this module understands from one it only names.
"""
from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.utils import parseaddr
from typing import Callable
from urllib.parse import urlparse

from localcloud.iam.names import NameLookup

ANY = ("*",)


@dataclass(frozen=True)
class Permission:
    action: str                  # "dynamodb:PutItem"
    resources: tuple[str, ...]   # every ARN it is evaluated on; ANY where AWS has no resource-level permission


@dataclass(frozen=True)
class Where:
    """Where a request runs: what turns a bare name into an ARN."""
    region: str
    account: str
    names: NameLookup

    def arn(self, service: str, resource: str, *, region: str | None = None, account: str | None = None) -> str:
        return f"arn:aws:{service}:{self.region if region is None else region}:{account or self.account}:{resource}"


# The IAM prefix, where the SigV4 signing name is not it.
IAM_PREFIX_BY_SIGNING_NAME = {
    "iotdata": "iot",               # the IoT data plane is authorized as iot:Publish, iot:GetThingShadow...
    "monitoring": "cloudwatch",
    "ioteventsdata": "iotevents",
    "tagging": "tag",
}

# botocore (service, operation) -> the IAM action name, where they differ.
ACTION_NAMES = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
    ("lambda", "GetLayerVersionByArn"): "GetLayerVersion",
    # SQS has no permission of its own for a batch: the single-message one covers it (sqs-batch-api-actions.html).
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "ListBuckets"): "ListAllMyBuckets",
    ("s3", "DeleteObjects"): "DeleteObject",
    ("s3", "CreateMultipartUpload"): "PutObject",
    ("s3", "UploadPart"): "PutObject",
    ("s3", "CompleteMultipartUpload"): "PutObject",
}

# Operations anyone signed in may call: no policy can allow or deny them.
NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}


# --- resources, service by service ----------------------------------------------------------------------------------
Resources = Callable[[dict, Where], tuple[str, ...]]


def _table(name: str, at: Where) -> str:
    return name if name.startswith("arn:") else at.arn("dynamodb", f"table/{name}")


def _table_or_index(params: dict, at: Where) -> tuple[str, ...]:
    table = _table(params["TableName"], at)
    return (f"{table}/index/{params['IndexName']}",) if params.get("IndexName") else (table,)


def _every_table(params: dict, at: Where) -> tuple[str, ...]:
    return tuple(_table(name, at) for name in params.get("RequestItems", {}))


def _state_machine(params: dict, at: Where) -> tuple[str, ...]:
    return (params.get("stateMachineArn") or params.get("mapRunArn") or "*",)


def _secret(params: dict, at: Where) -> tuple[str, ...]:
    return (at.names.secret_arn(params["SecretId"]),)


def _sending_identity(params: dict, at: Where) -> tuple[str, ...]:
    if params.get("SourceArn"):          # sending authorization: the caller names the identity it sends as
        return (params["SourceArn"],)
    source = params.get("Source")
    if not source and "RawMessage" in params:
        source = message_from_bytes(params["RawMessage"]["Data"]).get("From", "")
    _, address = parseaddr(source or "")        # "Approvals <noreply@example.com>" sends as noreply@example.com
    return (at.arn("ses", f"identity/{at.names.ses_identity(address)}"),)


def _rds(kind: str, name: str, at: Where) -> str:
    return name if name.startswith("arn:") else at.arn("rds", f"{kind}:{name}")


def _db_and_snapshot(params: dict, at: Where) -> tuple[str, ...]:
    return (_rds("db", params["DBInstanceIdentifier"], at), _rds("snapshot", params["DBSnapshotIdentifier"], at))


def _snapshot_if_named(params: dict, at: Where) -> tuple[str, ...]:
    name = params.get("DBSnapshotIdentifier")
    return (_rds("snapshot", name, at),) if name else ANY


def _queue(params: dict, at: Where) -> tuple[str, ...]:
    """A queue URL is .../<account>/<name>; the region is the host's on AWS (sqs.<region>.amazonaws.com), the
    request's on the local cloud."""
    url = urlparse(params["QueueUrl"])
    account, _, name = url.path.strip("/").partition("/")
    host = url.hostname or ""
    region = host.split(".")[1] if host.startswith("sqs.") and host.count(".") >= 3 else at.region
    return (at.arn("sqs", name, region=region, account=account),)


def _queue_by_name(params: dict, at: Where) -> tuple[str, ...]:
    return (at.arn("sqs", params["QueueName"], account=params.get("QueueOwnerAWSAccountId")),)


def _publish_target(params: dict, at: Where) -> tuple[str, ...]:
    # An SMS goes to a phone number, and AWS names that number as the resource.
    return (params.get("TopicArn") or params.get("TargetArn") or params.get("PhoneNumber") or "*",)


def function_arn(name: str, qualifier: str | None, at: Where) -> str:
    """A function named by name, partial ARN (123456789012:function:name) or ARN, maybe ending in :qualifier."""
    if name.startswith("arn:"):
        arn = name
    elif ":function:" in name:
        account, _, rest = name.partition(":function:")
        arn = at.arn("lambda", f"function:{rest}", account=account)
    else:
        arn = at.arn("lambda", f"function:{name}")
    if qualifier and arn.count(":") == 6:      # arn:aws:lambda:region:account:function:name has six colons
        arn = f"{arn}:{qualifier}"
    return arn


def _function(params: dict, at: Where) -> tuple[str, ...]:
    return (function_arn(params["FunctionName"], params.get("Qualifier"), at),)


def _topic(params: dict, at: Where) -> tuple[str, ...]:
    return (at.arn("iot", f"topic/{params['topic']}"),)


def _thing(params: dict, at: Where) -> tuple[str, ...]:
    return (at.arn("iot", f"thing/{params['thingName']}"),)


def _event_buses(params: dict, at: Where) -> tuple[str, ...]:
    buses = []
    for entry in params.get("Entries", []):
        bus = entry.get("EventBusName") or "default"
        arn = bus if bus.startswith("arn:") else at.arn("events", f"event-bus/{bus}")
        if arn not in buses:
            buses.append(arn)
    return tuple(buses) or (at.arn("events", "event-bus/default"),)


def _log_stream(params: dict, at: Where) -> tuple[str, ...]:
    # The log stream, not its group: AWS's AccessDenied names log-group:<group>:log-stream:<stream>, which is why
    # the usual policy grants "log-group:<group>:*".
    return (at.arn("logs", f"log-group:{params['logGroupName']}:log-stream:{params['logStreamName']}"),)


def _bucket(params: dict, at: Where) -> tuple[str, ...]:
    return (f"arn:aws:s3:::{params['Bucket']}",)


def _object(params: dict, at: Where) -> tuple[str, ...]:
    return (f"arn:aws:s3:::{params['Bucket']}/{params['Key']}",)


def _any(params: dict, at: Where) -> tuple[str, ...]:
    return ANY


def _param(name: str) -> Resources:
    return lambda params, at: (params[name],)


RESOURCES: dict[tuple[str, str], Resources] = {
    **{("dynamodb", op): lambda p, at: (_table(p["TableName"], at),)
       for op in ("PutItem", "GetItem", "UpdateItem", "DeleteItem", "DescribeTable")},
    ("dynamodb", "Query"): _table_or_index,
    ("dynamodb", "Scan"): _table_or_index,
    ("dynamodb", "BatchWriteItem"): _every_table,
    ("dynamodb", "BatchGetItem"): _every_table,
    **{("stepfunctions", op): _state_machine
       for op in ("StartExecution", "StartSyncExecution", "DescribeStateMachine", "ListExecutions")},
    **{("stepfunctions", op): _param("executionArn")
       for op in ("DescribeExecution", "GetExecutionHistory", "StopExecution")},
    ("stepfunctions", "GetActivityTask"): _param("activityArn"),
    # A task token names no resource, and the Service Authorization Reference lists no resource type for these
    # three: a policy can only allow them on "*".
    ("stepfunctions", "SendTaskSuccess"): _any,
    ("stepfunctions", "SendTaskFailure"): _any,
    ("stepfunctions", "SendTaskHeartbeat"): _any,
    ("stepfunctions", "ListStateMachines"): _any,
    ("secretsmanager", "GetSecretValue"): _secret,
    ("secretsmanager", "DescribeSecret"): _secret,
    ("ses", "SendEmail"): _sending_identity,
    ("ses", "SendRawEmail"): _sending_identity,
    ("rds", "CreateDBSnapshot"): _db_and_snapshot,
    ("rds", "DescribeDBSnapshots"): _snapshot_if_named,
    ("rds", "AddTagsToResource"): _param("ResourceName"),
    **{("sqs", op): _queue
       for op in ("SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
                  "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "GetQueueAttributes")},
    ("sqs", "GetQueueUrl"): _queue_by_name,
    ("sns", "Publish"): _publish_target,
    ("lambda", "Invoke"): _function,
    ("lambda", "InvokeAsync"): _function,
    ("iot-data", "Publish"): _topic,
    ("iot-data", "GetThingShadow"): _thing,
    ("iot-data", "UpdateThingShadow"): _thing,
    ("iot-data", "DeleteThingShadow"): _thing,
    ("iot", "DescribeEndpoint"): _any,
    ("events", "PutEvents"): _event_buses,
    ("logs", "CreateLogStream"): _log_stream,
    ("logs", "PutLogEvents"): _log_stream,
    ("s3", "ListObjects"): _bucket,
    ("s3", "ListObjectsV2"): _bucket,
    ("s3", "HeadBucket"): _bucket,
    ("s3", "GetObject"): _object,
    ("s3", "HeadObject"): _object,
    ("s3", "PutObject"): _object,
    ("s3", "DeleteObject"): _object,
    ("sts", "GetCallerIdentity"): _any,
}


# --- operations authorized as several actions -----------------------------------------------------------------------
# A DynamoDB transaction has no permission of its own: each item is authorized as the single-item action it is
# (developerguide/transaction-apis-iam.html), on its own table.
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _transaction(params: dict, at: Where) -> tuple[Permission, ...]:
    tables_by_action: dict[str, list[str]] = {}
    for item in params.get("TransactItems", []):
        for kind, request in item.items():
            tables = tables_by_action.setdefault(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", [])
            table = _table(request["TableName"], at)
            if table not in tables:
                tables.append(table)
    return tuple(Permission(action, tuple(tables)) for action, tables in tables_by_action.items())


PERMISSIONS: dict[tuple[str, str], Callable[[dict, Where], tuple[Permission, ...]]] = {
    ("dynamodb", "TransactWriteItems"): _transaction,
    ("dynamodb", "TransactGetItems"): _transaction,
}


def permissions(api: str, prefix: str, operation: str, params: dict, at: Where) -> tuple[tuple[Permission, ...], bool]:
    """Every permission `operation` of botocore service `api` needs, in the order the request names them, and whether
    this module knows its resources (False: one permission on "*")."""
    if (api, operation) in PERMISSIONS:
        return PERMISSIONS[api, operation](params, at), True
    action = f"{prefix}:{ACTION_NAMES.get((api, operation), operation)}"
    resources = RESOURCES.get((api, operation))
    if resources is None:
        return (Permission(action, ANY),), False
    return (Permission(action, resources(params, at)),), True
