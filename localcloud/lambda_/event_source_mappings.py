"""SQS event source mappings (AWS::Lambda::EventSourceMapping on a queue), polled as Lambda's pollers poll.

Each enabled mapping gets five pollers, as Lambda "starts processing five batches at a time with five concurrent
invocations" of a standard queue (fewer when ScalingConfig.MaximumConcurrency says so; the local cloud does not scale
further): one slow batch does not hold back the rest of the queue. A poller long-polls the queue through the AWS API
at the edge, hands a batch of up to BatchSize messages to the function synchronously, deletes the batch when the
function succeeds (or, with ReportBatchItemFailures, all but the reported items) and leaves it when the function
fails: the message becomes visible again after the queue's VisibilityTimeout, and moto's redrive moves it to the
dead-letter queue once its receive count reaches the RedrivePolicy's maxReceiveCount, as SQS does.
"""
import json
import logging
import threading
from dataclasses import dataclass
from typing import Callable

from localcloud.edge.server import function_name
from localcloud.iam.policy import evaluate
from localcloud.cloudformation.stack import REGION, ServiceStack

log = logging.getLogger("localcloud.sqs-mappings")


@dataclass
class QueueMapping:
    service: str
    queue_arn: str
    function: str
    batch_size: int = 10
    report_item_failures: bool = False
    concurrent_batches: int = 5

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[-1]


def mappings_of(stacks: list[ServiceStack]) -> list[QueueMapping]:
    found = []
    for stack in stacks:
        for resource in stack.of_type("AWS::Lambda::EventSourceMapping").values():
            props = stack.resolve(resource.get("Properties", {}))
            source = str(props.get("EventSourceArn", ""))
            if ":sqs:" not in source:
                log.warning("%s: event source %s is not a queue; the local cloud polls only SQS", stack.service, source)
                continue
            if props.get("Enabled", True) in (False, "false"):
                continue
            maximum = (props.get("ScalingConfig") or {}).get("MaximumConcurrency")
            found.append(QueueMapping(stack.service, source, function_name(str(props["FunctionName"])),
                                      int(props.get("BatchSize", 10)),
                                      "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                                      min(5, int(maximum)) if maximum else 5))
    return found


# What the Lambda service needs the function's role to allow on the queue (Lambda developer guide, SQS event source).
_POLLER_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")


def check_queue_permissions(mapping: QueueMapping, policies: list[dict]) -> None:
    """Refused as CloudFormation refuses to create such a mapping."""
    for action in _POLLER_ACTIONS:
        if not evaluate(policies, action, [mapping.queue_arn]).allowed:
            raise RuntimeError(
                f"{mapping.service}: AWS::Lambda::EventSourceMapping of {mapping.function} cannot be created: "
                f"Invalid request provided: The provided execution role does not have permissions to call "
                f"{action.split(':')[1]} on SQS")


def check_visibility_timeout(mapping: QueueMapping, visibility_timeout: int, function_timeout: float) -> None:
    """Refused as Lambda refuses it: a batch still being worked on would be handed out again."""
    if visibility_timeout < function_timeout:
        raise RuntimeError(
            f"{mapping.service}: AWS::Lambda::EventSourceMapping of {mapping.function} cannot be created: "
            f"Invalid request provided: Queue visibility timeout: {visibility_timeout} seconds is less than "
            f"Function timeout: {function_timeout:g} seconds")


def queue_url(sqs_client, queue_arn: str) -> str:
    """From the ARN, as Lambda's poller knows the queue (its role needs no sqs:GetQueueUrl)."""
    _, _, _, _, account, name = queue_arn.split(":")
    return f"{sqs_client.meta.endpoint_url}/{account}/{name}"


def sqs_event(mapping: QueueMapping, messages: list[dict]) -> dict:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}),
        "messageAttributes": {k: {"stringValue": v.get("StringValue"), "dataType": v.get("DataType")}
                              for k, v in m.get("MessageAttributes", {}).items()},
        "md5OfBody": m.get("MD5OfBody"), "eventSource": "aws:sqs", "eventSourceARN": mapping.queue_arn,
        "awsRegion": REGION,
    } for m in messages]}


class QueuePoller:
    def __init__(self, mapping: QueueMapping, sqs_client, invoke: Callable):
        self.mapping = mapping
        self._sqs = sqs_client
        self._invoke = invoke
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, name=f"localcloud-sqs-{mapping.queue_name}-{n}",
                                          daemon=True) for n in range(mapping.concurrent_batches)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self) -> None:
        url = queue_url(self._sqs, self.mapping.queue_arn)
        while not self._stop.is_set():
            try:
                self.poll_once(url, wait_seconds=1)
            except Exception:
                log.exception("polling %s failed", self.mapping.queue_name)
                self._stop.wait(1)

    def poll_once(self, url: str, wait_seconds: int = 0) -> int:
        """One receive, one invoke, the deletes. Returns how many messages were handed to the function."""
        messages = self._sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=max(1, min(self.mapping.batch_size, 10)), WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        result = self._invoke(self.mapping.function, json.dumps(sqs_event(self.mapping, messages)).encode())
        if result.function_error:
            log.info("%s failed a batch of %d from %s: the messages stay for redelivery", self.mapping.function,
                     len(messages), self.mapping.queue_name)
            return len(messages)
        failed = set()
        if self.mapping.report_item_failures:
            try:
                answer = json.loads(result.payload or b"null") or {}
                failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
            except (ValueError, TypeError, KeyError, AttributeError):
                failed = {m["MessageId"] for m in messages}   # an unreadable answer fails the whole batch, as AWS does
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        return len(messages)


class EventSourceMappings:
    """The part of the local cloud that runs every mapping's poller."""
    name = "event-source-mappings"

    def __init__(self):
        self.pollers: list[QueuePoller] = []

    def start(self, cloud) -> None:
        sqs = cloud.client("sqs")
        for mapping in mappings_of(list(cloud.stacks.values())):
            # The Lambda service polls with the function's own role, which must allow it (checked as the
            # mapping's deploy would be).
            session = cloud.function_session(mapping.function)
            check_queue_permissions(mapping, cloud.roles.policies(session.role_name))
            visibility = sqs.get_queue_attributes(QueueUrl=queue_url(sqs, mapping.queue_arn),
                                                  AttributeNames=["VisibilityTimeout"])["Attributes"]
            check_visibility_timeout(mapping, int(visibility["VisibilityTimeout"]),
                                     cloud.runtime.spec(mapping.function).timeout)
            poller = QueuePoller(mapping, cloud.client_as(session, "sqs"), cloud.runtime.invoke)
            poller.start()
            self.pollers.append(poller)
        log.info("%d queue mappings", len(self.pollers))

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        self.pollers.clear()
