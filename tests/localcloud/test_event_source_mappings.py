"""Lambda's SQS pollers: five concurrent batches per mapping, so one slow batch does not hold back the queue."""
import json
import threading
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from localcloud.lambda_.event_source_mappings import (QueueMapping, QueuePoller, check_visibility_timeout,
                                                      mappings_of)


@pytest.fixture
def queue():
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
        yield sqs, url


def poller_for(sqs, invoke, **mapping) -> QueuePoller:
    return QueuePoller(QueueMapping("svc", "arn:aws:sqs:us-east-1:123456789012:orders", "consume", batch_size=1,
                                    **mapping), sqs, invoke)


def test_a_slow_batch_does_not_hold_back_the_next_message(queue):
    sqs, url = queue
    slow_started, release, fast_done = threading.Event(), threading.Event(), threading.Event()

    def invoke(function, payload):
        body = json.loads(payload)["Records"][0]["body"]
        if body == "slow":
            slow_started.set()
            release.wait(30)
        else:
            fast_done.set()
        return SimpleNamespace(function_error=None, payload=b"null")

    poller = poller_for(sqs, invoke)
    poller.start()
    try:
        sqs.send_message(QueueUrl=url, MessageBody="slow")
        assert slow_started.wait(10)
        sqs.send_message(QueueUrl=url, MessageBody="fast")
        assert fast_done.wait(10), "the second message waited for the first batch to finish"
    finally:
        release.set()
        poller.stop()


def stack_with_mapping(**properties):
    resource = {"Properties": {"EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:orders",
                               "FunctionName": "consume", **properties}}
    return SimpleNamespace(service="svc", of_type=lambda kind: {"Mapping": resource}, resolve=lambda value: value)


def test_a_mapping_polls_five_batches_at_a_time_unless_its_maximum_concurrency_is_lower():
    assert mappings_of([stack_with_mapping()])[0].concurrent_batches == 5
    assert mappings_of([stack_with_mapping(ScalingConfig={"MaximumConcurrency": 2})])[0].concurrent_batches == 2


def test_a_queue_whose_visibility_timeout_is_shorter_than_the_functions_is_refused_as_lambda_refuses_it():
    mapping = QueueMapping("svc", "arn:aws:sqs:us-east-1:123456789012:orders", "consume")
    check_visibility_timeout(mapping, 20, 20)
    with pytest.raises(RuntimeError) as refused:
        check_visibility_timeout(mapping, 2, 20)
    assert str(refused.value).endswith(
        "Invalid request provided: Queue visibility timeout: 2 seconds is less than Function timeout: 20 seconds")
