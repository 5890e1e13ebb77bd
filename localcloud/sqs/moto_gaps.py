"""Where the pinned moto's SQS falls short of AWS for this project, fixed next to the SQS it patches.

tests/localcloud/test_sqs_gaps.py asserts that the gap still exists in plain moto, so a moto upgrade that closes it
tells us (that test fails and says so), and the fix can go.
"""
from moto.sqs.models import Queue, SQSBackend

_APPLIED = False


def serialize_queue_changes() -> None:
    """The gap: moto 5.2.5 changes a queue's message list from several server threads without a lock. ReceiveMessage
    checks that a message is visible, then marks it received, so two concurrent receivers (Lambda's five pollers of
    one mapping) both take it; DeleteMessage rebuilds the list and assigns it back, so a message that SendMessage
    appends meanwhile is lost. SQS delivers a standard queue's message at least once but never loses one, and its
    duplicates are rare, not the rule for every concurrent poll.

    Fixed: ReceiveMessage and DeleteMessage hold the queue's own lock (the condition moto's long poll waits on,
    whose wait lets go of it, so a long poll blocks no one), as SendMessage's append already does.
    """
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    receive, delete = SQSBackend.receive_message, Queue.delete_message

    def receive_message(self: SQSBackend, queue_name: str, *args, **kwargs):
        with self.get_queue(queue_name)._messages_lock:
            return receive(self, queue_name, *args, **kwargs)

    def delete_message(self: Queue, receipt_handle: str) -> None:
        with self._messages_lock:
            delete(self, receipt_handle)

    SQSBackend.receive_message, Queue.delete_message = receive_message, delete_message


_BODY_APPLIED = False


def send_message_requires_a_body() -> None:
    """The gap: moto 5.2.5's SendMessage without MessageBody fails in its own code (TypeError, a 500). SQS refuses
    it: MissingParameter, "The request must contain the parameter MessageBody." (boto3 checks it itself by default;
    the Step Functions engine's clients, as AWS's Java SDK, leave it to the service.)

    Fixed: SendMessage refuses a request without a body so, before moto's handler reads it.
    """
    global _BODY_APPLIED
    if _BODY_APPLIED:
        return
    _BODY_APPLIED = True
    from moto.sqs.exceptions import MissingParameter
    from moto.sqs.responses import SQSResponse
    send_message = SQSResponse.send_message

    def send_message_with_a_body(self: SQSResponse):
        if self._get_param("MessageBody") is None:
            raise MissingParameter("MessageBody")
        return send_message(self)

    send_message_with_a_body.__wrapped__ = send_message
    SQSResponse.send_message = send_message_with_a_body
