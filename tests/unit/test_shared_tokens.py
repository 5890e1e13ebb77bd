"""Task tokens never reach a log line: a short fingerprint stands in for them, also in TaskCallbacks."""
import io
import json

import pytest

from lambda_shared.observability import logger
from lambda_shared.task_callbacks import TaskCallbacks
from lambda_shared.tokens import token_fingerprint

TOKEN = "AAAAKgAAAAIAAAAAEXAMPLETASKTOKEN" + "x" * 600


def test_given_a_token_when_it_is_fingerprinted_then_the_result_is_short_stable_and_not_the_token():
    fingerprint = token_fingerprint(TOKEN)

    assert fingerprint == token_fingerprint(TOKEN)
    assert len(fingerprint) == 12 and int(fingerprint, 16) >= 0
    assert fingerprint not in TOKEN


def test_given_two_tokens_when_they_are_fingerprinted_then_the_fingerprints_differ():
    assert token_fingerprint(TOKEN) != token_fingerprint(TOKEN + "y")


class RecordingStepFunctions:
    def __init__(self):
        self.calls = []

    def send_task_success(self, **kwargs):
        self.calls.append(("success", kwargs))

    def send_task_failure(self, **kwargs):
        self.calls.append(("failure", kwargs))

    def send_task_heartbeat(self, **kwargs):
        self.calls.append(("heartbeat", kwargs))


@pytest.fixture
def logs():
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    yield stream
    logger.registered_handler.setStream(previous)


def test_when_a_task_succeeds_then_its_output_is_sent_as_json(logs):
    sfn = RecordingStepFunctions()

    TaskCallbacks(sfn).succeed(TOKEN, {"doubled": 494})

    assert sfn.calls == [("success", {"taskToken": TOKEN, "output": '{"doubled": 494}'})]


def test_when_a_task_fails_then_error_and_cause_are_cut_to_the_step_functions_limits(logs):
    sfn = RecordingStepFunctions()

    TaskCallbacks(sfn).fail(TOKEN, "E" * 300, "c" * 40000)

    ((kind, sent),) = sfn.calls
    assert kind == "failure" and sent["taskToken"] == TOKEN
    assert sent["error"] == "E" * 256 and sent["cause"] == "c" * 32768


def test_when_a_heartbeat_is_sent_then_it_carries_the_token(logs):
    sfn = RecordingStepFunctions()

    TaskCallbacks(sfn).heartbeat(TOKEN)

    assert sfn.calls == [("heartbeat", {"taskToken": TOKEN})]


def test_when_callbacks_are_sent_then_the_log_has_the_fingerprint_and_never_the_token(logs):
    callbacks = TaskCallbacks(RecordingStepFunctions())

    callbacks.succeed(TOKEN, {})
    callbacks.fail(TOKEN, "NumberIsTooBig", "600 is too big")

    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["SendTaskSuccess", "SendTaskFailure"]
    assert all(line["task"] == token_fingerprint(TOKEN) for line in lines)
    assert "EXAMPLETASKTOKEN" not in logs.getvalue()
