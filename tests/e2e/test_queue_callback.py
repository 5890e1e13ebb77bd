"""Queue callback through the local cloud: SQS with a task token, the consumer Lambda, the DLQ, direct integrations."""
import json

from tests.e2e.conftest import Cloud

ORDERS = "/queue-callback/orders"


def outputs(cloud: Cloud) -> dict:
    from localcloud.serverless.services import read_env
    return read_env()["stages"]["local"]["outputs"]["queue-callback"]


def start(cloud: Cloud, body: dict) -> str:
    response = cloud.api("POST", ORDERS, json=body)
    assert response.status_code == 200, response.text
    return response.json()["executionArn"]


def test_order_is_recorded_prepared_by_the_consumer_and_announced(cloud):
    arn = start(cloud, {"item": "tea", "quantity": 2})
    execution = cloud.wait_for_execution(arn)
    assert execution["status"] == "SUCCEEDED", (execution.get("error"), execution.get("cause"))
    assert json.loads(execution["output"])["prepared"] is True
    order_id = arn.rsplit(":", 1)[-1]
    item = cloud.client("dynamodb").get_item(TableName=outputs(cloud)["OrdersTableName"],
                                             Key={"orderId": {"S": order_id}})["Item"]
    assert item["item"] == {"S": "tea"} and item["quantity"] == {"N": "2"}
    assert cloud.states_entered(arn) == ["RecordOrder", "PrepareOrder", "AnnounceOrder", "Done"]


def test_the_cloud_logs_one_line_per_workflow_event_of_an_order_started_waiting_ended(cloud):
    arn = start(cloud, {"item": "tea", "quantity": 1000})
    assert cloud.wait_for_execution(arn)["status"] == "FAILED"
    run = "/".join(arn.split(":")[-2:])   # <state machine>/<execution>

    cloud.wait_for_log_line(f"▶ {run} started")
    waiting = cloud.wait_for_log_line(f"… {run}: ", "waits for")
    ended = cloud.wait_for_log_line(f"✘ {run} FAILED")

    assert "PrepareOrder waits for a callback (its task token went to queue waitflows-queue-callback-local-orders)" \
        in waiting
    assert ": OrderRejected (" in ended


def test_rejected_order_fails_with_its_own_error(cloud):
    execution = cloud.wait_for_execution(start(cloud, {"item": "tea", "quantity": 1000}))
    assert (execution["status"], execution.get("error")) == ("FAILED", "OrderRejected")


def test_consumer_slower_than_the_timeout_fails_with_order_timed_out(cloud):
    execution = cloud.wait_for_execution(start(cloud, {"item": "tea", "quantity": 1, "workSeconds": 6}))
    assert (execution["status"], execution.get("error")) == ("FAILED", "OrderTimedOut")


def test_message_delivered_twice_harms_nothing(cloud):
    # Given an order that completed
    arn = start(cloud, {"item": "coffee", "quantity": 1})
    assert cloud.wait_for_execution(arn)["status"] == "SUCCEEDED"
    sent = next(e for e in cloud.history(arn) if e["type"] == "TaskScheduled"
                and e["taskScheduledEventDetails"]["resource"] == "sendMessage.waitForTaskToken")
    message = json.loads(sent["taskScheduledEventDetails"]["parameters"])["MessageBody"]
    # When its message (with the same task token) arrives again
    sqs = cloud.client("sqs")
    sqs.send_message(QueueUrl=outputs(cloud)["OrdersQueueUrl"], MessageBody=json.dumps(message))
    # Then the consumer takes it as done: it never reaches the dead-letter queue, and the execution is unchanged
    follow_up = start(cloud, {"item": "marker", "quantity": 1})
    assert cloud.wait_for_execution(follow_up)["status"] == "SUCCEEDED"
    assert cloud.describe(arn)["status"] == "SUCCEEDED"
    attributes = sqs.get_queue_attributes(QueueUrl=outputs(cloud)["OrdersDeadLetterQueueUrl"],
                                          AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"


def test_poison_message_ends_in_the_dead_letter_queue(cloud):
    sqs = cloud.client("sqs")
    sqs.send_message(QueueUrl=outputs(cloud)["OrdersQueueUrl"], MessageBody="this is not an order")
    dead = []
    for _ in range(25):   # each receive long-polls: this awaits the redrive, it does not sleep
        dead = sqs.receive_message(QueueUrl=outputs(cloud)["OrdersDeadLetterQueueUrl"], WaitTimeSeconds=2,
                                   AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
        if dead:
            break
    assert [m["Body"] for m in dead] == ["this is not an order"]
    sqs.delete_message(QueueUrl=outputs(cloud)["OrdersDeadLetterQueueUrl"], ReceiptHandle=dead[0]["ReceiptHandle"])
