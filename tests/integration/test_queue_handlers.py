"""queue-callback handlers under moto, called as Lambda calls them, with the queues, table and activities built from
the service's serverless.yml: the SQS consumer (consumeOrders) and the pull model's scheduled poller
(pollOrderActivity)."""
import json

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError

from lambda_shared.settings import MissingSetting
from tests.support.aws import moto_client
from tests.support.tokens import new_task_token

# Every handler path publishes a metric: an empty @metrics.log_metrics fails the test.
pytestmark = pytest.mark.filterwarnings("error:No application metrics to publish:UserWarning")

SCHEDULED_EVENT = {"version": "0", "id": "5d0e8d2c-2f2f-4c5e-9d36-2b0f3f4c1a11", "detail-type": "Scheduled Event",
                   "source": "aws.events", "account": "123456789012", "time": "2026-01-01T00:00:00Z",
                   "region": "us-east-1", "detail": {},
                   "resources": ["arn:aws:events:us-east-1:123456789012:rule/poll-order-activity"]}


@pytest.fixture
def queue_callback(service_resources):
    return service_resources("queue-callback")


# --- consumeOrders: the SQS callback ------------------------------------------------------------------------------
def sqs_record(body, message_id="m-1", receive_count=1) -> dict:
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}",
            "body": body if isinstance(body, str) else json.dumps(body),
            "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1767225600000"},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:waitflows-queue-callback-dev-orders"}


def order_message(token: str, order: dict, order_id="order-1") -> dict:
    """The message the orderCallback state machine's sqs:sendMessage.waitForTaskToken task sends."""
    return {"orderId": order_id, "order": order, "TaskToken": token}


def consume(queue_callback, *records) -> dict:
    handler = queue_callback.load("consumeOrders")
    return handler({"Records": list(records)}, queue_callback.context("consumeOrders"))


def test_given_a_good_order_when_consumed_then_its_token_gets_the_prepared_order_and_the_message_is_done(
        queue_callback, sfn_calls):
    token = new_task_token()

    answer = consume(queue_callback, sqs_record(order_message(token, {"item": "tea", "quantity": 2})))

    assert answer == {"batchItemFailures": []}
    (success,) = sfn_calls.successes
    assert success["taskToken"] == token
    assert json.loads(success["output"]) == {"orderId": "order-1", "item": "tea", "quantity": 2, "prepared": True}


def test_given_an_order_that_cannot_be_prepared_then_the_task_fails_with_order_rejected(queue_callback, sfn_calls):
    token = new_task_token()

    answer = consume(queue_callback, sqs_record(order_message(token, {"item": "tea", "quantity": 0})))

    assert answer == {"batchItemFailures": []}
    (failure,) = sfn_calls.failures
    assert (failure["taskToken"], failure["error"]) == (token, "OrderRejected")
    assert "quantity must be between 1 and 100" in failure["cause"]
    assert sfn_calls.successes == []


@pytest.mark.parametrize("code", ["InvalidToken", "TaskTimedOut", "TaskDoesNotExist"])
def test_given_a_redelivered_message_whose_token_was_used_then_it_is_deleted_and_nothing_fails(
        queue_callback, sfn_calls, code):
    # Given a message answered once already
    token = new_task_token()
    message = order_message(token, {"item": "tea", "quantity": 2})
    assert consume(queue_callback, sqs_record(message)) == {"batchItemFailures": []}
    answered = list(sfn_calls.calls)

    # When SQS delivers it again and Step Functions refuses the used token
    sfn_calls.refuse_with(code, "Provided task token is already used or expired")
    answer = consume(queue_callback, sqs_record(message, receive_count=2))

    # Then the message is done with (not redriven to the DLQ), and the first answer is the only one
    assert answer == {"batchItemFailures": []}
    assert sfn_calls.calls == answered


@pytest.mark.parametrize("body", ["not json", json.dumps({"orderId": "o", "order": {"item": "tea"}}),
                                  json.dumps({"TaskToken": "", "order": {}}), "[]"])
def test_given_a_poison_message_then_it_is_reported_failed_so_sqs_redrives_it_towards_the_dlq(
        queue_callback, sfn_calls, body):
    good_token = new_task_token()

    answer = consume(queue_callback, sqs_record(order_message(good_token, {"item": "tea", "quantity": 1}), "good"),
                     sqs_record(body, "poison"))

    # ReportBatchItemFailures: only the poison message returns to the queue; the good one is deleted
    assert answer == {"batchItemFailures": [{"itemIdentifier": "poison"}]}
    assert [s["taskToken"] for s in sfn_calls.successes] == [good_token]


def test_the_orders_queue_redrives_to_its_dlq_after_a_few_receives(queue_callback):
    sqs = moto_client("sqs")
    queue_url = queue_callback.stack.resolve({"Ref": "OrdersQueue"})
    dlq_arn = queue_callback.stack.resolve({"Fn::GetAtt": ["OrdersDeadLetterQueue", "Arn"]})

    policy = json.loads(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])
                        ["Attributes"]["RedrivePolicy"])

    assert policy["deadLetterTargetArn"] == dlq_arn and int(policy["maxReceiveCount"]) == 3


def test_given_a_callback_step_functions_does_not_take_then_the_message_comes_back(queue_callback, sfn_calls):
    sfn_calls.refuse_with("ServiceUnavailable", "try again")

    answer = consume(queue_callback, sqs_record(order_message(new_task_token(), {"item": "tea", "quantity": 1})))

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_given_a_throttled_callback_then_the_message_comes_back_long_before_the_visibility_timeout(
        queue_callback, sfn_calls):
    # Given an order message received from the orders queue (VisibilityTimeout: at least the consumer's timeout)
    sqs = moto_client("sqs")
    queue_url = queue_callback.stack.resolve({"Ref": "OrdersQueue"})
    visibility = int(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])[
        "Attributes"]["VisibilityTimeout"])
    sqs.send_message(QueueUrl=queue_url,
                     MessageBody=json.dumps(order_message(new_task_token(), {"item": "tea", "quantity": 1})))
    received = sqs.receive_message(QueueUrl=queue_url)["Messages"][0]
    record = {**sqs_record(received["Body"], received["MessageId"]), "receiptHandle": received["ReceiptHandle"],
              "eventSourceARN": queue_callback.stack.resolve({"Fn::GetAtt": ["OrdersQueue", "Arn"]})}
    # When its callback is throttled past the client's retries
    sfn_calls.refuse_with("ThrottlingException", "Rate exceeded")
    answer = consume(queue_callback, record)

    # Then it is reported failed and received again well within the visibility timeout, to be tried again
    assert answer == {"batchItemFailures": [{"itemIdentifier": received["MessageId"]}]}
    again = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=min(20, visibility // 2)).get("Messages", [])
    assert [m["MessageId"] for m in again] == [received["MessageId"]]


# --- pollOrderActivity: the pull model's scheduled worker ---------------------------------------------------------
class ActivityPolls:
    """GetActivityTask as Step Functions answers it (moto does not: localcloud/stepfunctions/activities.py), stubbed on the
    poller's own client; every poll is recorded. Callbacks still go to moto through lambda_shared's client."""

    def __init__(self, client):
        self.polls: list[dict] = []
        self._answers: list = []
        client.meta.events.register("before-call.sfn.GetActivityTask", self._answer)

    def will_answer(self, *answers) -> None:
        self._answers.extend(answers)

    def _answer(self, params, **_):
        self.polls.append(json.loads(params["body"]))
        answer = self._answers.pop(0) if self._answers else {}
        if isinstance(answer, Exception):
            raise answer
        return AWSResponse("https://states.us-east-1.amazonaws.com/", 200, {}, None), answer


@pytest.fixture
def poller(queue_callback):
    handler = queue_callback.load("pollOrderActivity")
    return handler


@pytest.fixture
def polls(queue_callback, poller) -> ActivityPolls:
    return ActivityPolls(queue_callback.module("pollOrderActivity").activity._sfn)


def tick(queue_callback, poller) -> dict:
    return poller(dict(SCHEDULED_EVENT), queue_callback.context("pollOrderActivity"))


def pull_task(token: str, order: dict) -> dict:
    """What GetActivityTask hands out for the orderPull state machine's PrepareOrder task."""
    return {"taskToken": token, "input": json.dumps({"orderId": "order-7", "order": order})}


def test_given_no_task_when_the_schedule_ticks_then_the_poller_returns_quietly(queue_callback, poller, polls,
                                                                               sfn_calls):
    answer = tick(queue_callback, poller)

    assert answer == {"task": None}
    assert len(polls.polls) == 1 and sfn_calls.calls == []


def test_given_a_short_local_poll_that_times_out_then_the_poller_returns_quietly(queue_callback, poller, polls,
                                                                                 sfn_calls):
    polls.will_answer(ReadTimeoutError(endpoint_url="http://127.0.0.1:4566/"))

    assert tick(queue_callback, poller) == {"task": None}
    assert sfn_calls.calls == []


def test_the_poller_polls_the_pull_activity_of_serverless_yml_once_per_tick(queue_callback, poller, polls):
    pull_arn = queue_callback.stack.resolve({"Ref": "OrderPullActivity"})

    tick(queue_callback, poller)

    (poll,) = polls.polls
    assert poll["activityArn"] == pull_arn
    assert moto_client("stepfunctions").describe_activity(activityArn=pull_arn)["name"].endswith("prepare-order-pull")
    assert poll["activityArn"] != queue_callback.stack.resolve({"Ref": "OrderActivity"})   # the worker's activity


def test_the_long_poll_waits_longer_than_aws_holds_it_and_makes_one_attempt(queue_callback, poller):
    config = queue_callback.module("pollOrderActivity").activity._sfn.meta.config

    assert config.read_timeout == int(queue_callback.environment("pollOrderActivity")[
        "ACTIVITY_POLL_READ_TIMEOUT_SECONDS"]) > 60
    assert config.retries["total_max_attempts"] == 1
    assert int(queue_callback.function("pollOrderActivity")["Properties"]["Timeout"]) > config.read_timeout + 15


def test_given_a_task_when_the_schedule_ticks_then_the_order_is_prepared_and_its_token_answered(
        queue_callback, poller, polls, sfn_calls):
    token = new_task_token()
    polls.will_answer(pull_task(token, {"item": "tea", "quantity": 4}))

    answer = tick(queue_callback, poller)

    assert answer["outcome"] == "succeeded"
    (success,) = sfn_calls.successes
    assert success["taskToken"] == token
    assert json.loads(success["output"]) == {"orderId": "order-7", "item": "tea", "quantity": 4, "prepared": True}
    assert sfn_calls.failures == []


def test_given_a_pulled_order_that_cannot_be_prepared_then_the_task_fails_with_order_rejected(
        queue_callback, poller, polls, sfn_calls):
    token = new_task_token()
    polls.will_answer(pull_task(token, {"item": "tea", "quantity": 101}))

    answer = tick(queue_callback, poller)

    assert answer["outcome"] == "OrderRejected"
    (failure,) = sfn_calls.failures
    assert (failure["taskToken"], failure["error"]) == (token, "OrderRejected")
    assert failure["cause"] == "quantity must be between 1 and 100, got 101"


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_given_a_task_whose_execution_stopped_waiting_then_the_tick_ends_without_error(
        queue_callback, poller, polls, sfn_calls, code):
    polls.will_answer(pull_task(new_task_token(), {"item": "tea", "quantity": 1}))
    sfn_calls.refuse_with(code)

    assert tick(queue_callback, poller)["outcome"] == "already settled"


def test_given_an_answer_step_functions_does_not_take_then_the_invocation_fails_loudly(
        queue_callback, poller, polls, sfn_calls):
    polls.will_answer(pull_task(new_task_token(), {"item": "tea", "quantity": 1}))
    sfn_calls.refuse_with("AccessDeniedException", "not allowed")

    with pytest.raises(ClientError, match="AccessDeniedException"):
        tick(queue_callback, poller)


def test_given_no_activity_arn_when_the_poller_starts_then_it_fails_naming_the_variable(queue_callback, monkeypatch):
    queue_callback.configure("pollOrderActivity")
    monkeypatch.delenv("ORDER_PULL_ACTIVITY_ARN")

    with pytest.raises(MissingSetting, match="ORDER_PULL_ACTIVITY_ARN"):
        queue_callback.reload("queue_callback.handlers.poll_order_activity")
