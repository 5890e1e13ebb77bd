"""The SQS gap localcloud/sqs/moto_gaps.py fixes, shown twice: present in the pinned moto without the fix, gone with
it. Each scenario runs in a subprocess, so the fix (a patch of moto's classes) cannot leak into the other.

When a moto upgrade closes the gap, the "without the fix" test fails: then delete the fix.
"""
import textwrap

from tests.support.scenarios import run_scenario

# Two receivers of one queue, the second arriving while the first is between "this message is visible" and "it is
# mine now" (forced: the first one's mark_received starts the second and gives it a second to finish).
_TWO_RECEIVERS = textwrap.dedent('''
    import json, sys, threading
    import boto3
    from moto import mock_aws
    from moto.sqs import models
    from localcloud.sqs.moto_gaps import serialize_queue_changes

    if sys.argv[1] == "fixed":
        serialize_queue_changes()
    with mock_aws():
        sqs = boto3.client("sqs", "us-east-1")
        url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="the only order")
        received, mark_received = [], models.Message.mark_received

        def receive():
            received.extend(m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", []))

        def second_receiver_arrives(self, *args, **kwargs):
            models.Message.mark_received = mark_received
            other = threading.Thread(target=receive)
            other.start()
            other.join(1)
            mark_received(self, *args, **kwargs)
            second_receiver_arrives.other = other

        models.Message.mark_received = second_receiver_arrives
        receive()
        second_receiver_arrives.other.join()
        print(json.dumps(received))
''')


def receivers_got(fixed: bool) -> list[str]:
    return run_scenario(_TWO_RECEIVERS, fixed=fixed)


def test_moto_still_hands_one_message_to_two_concurrent_receivers():
    assert receivers_got(fixed=False) == ["the only order", "the only order"]


def test_the_fix_hands_it_to_one_receiver():
    assert receivers_got(fixed=True) == ["the only order"]


_BODYLESS_SEND = textwrap.dedent('''
    import json, sys
    import boto3
    from botocore.config import Config
    from moto import mock_aws
    from localcloud.sqs.moto_gaps import send_message_requires_a_body

    if sys.argv[1] == "fixed":
        send_message_requires_a_body()
    with mock_aws():
        # As the Step Functions engine's clients (and AWS's Java SDK): required members are the service's to check.
        sqs = boto3.client("sqs", "us-east-1", config=Config(parameter_validation=False))
        url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        try:
            sqs.send_message(QueueUrl=url)
            answer = None
        except sqs.exceptions.ClientError as exc:
            answer = [exc.response["Error"]["Code"], exc.response["Error"]["Message"]]
        except Exception as exc:   # moto's handler itself failing (a 500 behind a server)
            answer = [type(exc).__name__]
        print(json.dumps(answer))
''')


def test_bodyless_send_moto_still_fails_in_its_own_code():
    assert run_scenario(_BODYLESS_SEND, fixed=False) == ["TypeError"], "moto refuses it as SQS now: drop the fix"


def test_bodyless_send_fix_refuses_it_as_a_missing_parameter():
    assert run_scenario(_BODYLESS_SEND, fixed=True) == [
        "MissingParameter", "The request must contain the parameter MessageBody."]
