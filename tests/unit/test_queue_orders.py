"""The queue consumer's message handling with a fake callback adapter (no AWS)."""
import json

from botocore.exceptions import ClientError

from queue_callback import flows


class FakeCallbacks:
    def __init__(self, refuse_with: str | None = None):
        self.calls, self._refuse = [], refuse_with

    def _record(self, *call):
        if self._refuse:
            raise ClientError({"Error": {"Code": self._refuse, "Message": "no"}}, call[0])
        self.calls.append(call)

    def succeed(self, token, output):
        self._record("SendTaskSuccess", token, output)

    def fail(self, token, error, cause):
        self._record("SendTaskFailure", token, error)


def record(body, message_id="m1") -> dict:
    return {"messageId": message_id, "body": body if isinstance(body, str) else json.dumps(body)}


def test_good_order_is_answered_with_success():
    callbacks = FakeCallbacks()
    answer = flows.consume({"Records": [record({"TaskToken": "t", "orderId": "o", "order": {"item": "tea",
                                                                                              "quantity": 2}})]},
                           callbacks=callbacks)
    assert answer == {"batchItemFailures": []}
    assert callbacks.calls[0][:2] == ("SendTaskSuccess", "t")


def test_bad_order_is_answered_with_order_rejected():
    callbacks = FakeCallbacks()
    flows.consume({"Records": [record({"TaskToken": "t", "order": {"item": "tea", "quantity": 0}})]},
                  callbacks=callbacks)
    assert callbacks.calls == [("SendTaskFailure", "t", "OrderRejected")]


def test_poison_message_is_reported_as_a_batch_item_failure():
    answer = flows.consume({"Records": [record("not json", "p1"), record({"no": "token"}, "p2")]},
                           callbacks=FakeCallbacks())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "p1"}, {"itemIdentifier": "p2"}]}


def test_redelivered_message_of_a_settled_task_is_done_not_failed():
    answer = flows.consume({"Records": [record({"TaskToken": "t", "order": {"item": "tea", "quantity": 1}})]},
                           callbacks=FakeCallbacks(refuse_with="TaskTimedOut"))
    assert answer == {"batchItemFailures": []}


def test_callback_that_fails_for_another_reason_leaves_the_message_for_redelivery():
    answer = flows.consume({"Records": [record({"TaskToken": "t", "order": {"item": "tea", "quantity": 1}})]},
                           callbacks=FakeCallbacks(refuse_with="ThrottlingException"))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
