"""The activity worker's logic (workers.activity and order_work.activity) with a fake Step Functions.

No network: the fake answers GetActivityTask and records the heartbeats and answers.
"""
import json
import threading

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from order_work.activity import Heartbeat, heartbeat_interval, prepare_activity_order
from workers.activity.worker import ActivityWorker

TOKEN = "worker-test-token"


class FakeStepFunctions:
    """GetActivityTask hands out the queued tasks; every other call is recorded. `beaten` is set on each beat."""

    def __init__(self, *tasks: dict, refuse_answers_with: str | None = None):
        self.tasks = list(tasks)
        self.calls: list[tuple[str, dict]] = []
        self.beaten = threading.Event()
        self._refusal = refuse_answers_with

    def get_activity_task(self, **kwargs):
        return self.tasks.pop(0) if self.tasks else {}

    def send_task_heartbeat(self, **kwargs):
        self.calls.append(("SendTaskHeartbeat", kwargs))
        self.beaten.set()

    def send_task_success(self, **kwargs):
        self._answer("SendTaskSuccess", kwargs)

    def send_task_failure(self, **kwargs):
        self._answer("SendTaskFailure", kwargs)

    def _answer(self, name, kwargs):
        if self._refusal:
            raise ClientError({"Error": {"Code": self._refusal, "Message": "no"}}, name)
        self.calls.append((name, kwargs))

    def named(self, name: str) -> list[dict]:
        return [kwargs for call, kwargs in self.calls if call == name]


def activity_task(order: dict | None = None, *, raw: str | None = None) -> dict:
    task_input = raw if raw is not None else json.dumps({"orderId": "order-1", "order": order})
    return {"taskToken": TOKEN, "input": task_input}


def heartbeat_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "heartbeat"]


def worker(sfn, sleep=None) -> ActivityWorker:
    return ActivityWorker(sfn, "arn:aws:states:us-east-1:123456789012:activity:a", "test-worker", 0.01, sleep=sleep)


def test_given_no_task_when_the_worker_polls_then_it_says_so_and_calls_nothing_else():
    sfn = FakeStepFunctions()

    assert worker(sfn).run_once() is False
    assert sfn.calls == []


def test_given_a_good_order_when_it_is_worked_on_then_success_carries_the_prepared_order():
    sfn = FakeStepFunctions(activity_task({"item": "tea", "quantity": 3}))

    assert worker(sfn).run_once() is True

    (success,) = sfn.named("SendTaskSuccess")
    assert success["taskToken"] == TOKEN
    assert json.loads(success["output"]) == {"orderId": "order-1", "item": "tea", "quantity": 3, "prepared": True}
    assert sfn.named("SendTaskFailure") == []


def test_given_slow_work_when_it_ends_then_the_heartbeat_loop_has_beaten_and_stopped():
    # Given an order whose work lasts until the worker has heartbeaten at least once
    sfn = FakeStepFunctions(activity_task({"item": "tea", "quantity": 1, "workSeconds": 5}))
    slept = []

    def work(seconds):
        slept.append(seconds)
        assert sfn.beaten.wait(timeout=10), "no heartbeat while the work ran"

    # When the worker works on it
    worker(sfn, sleep=work).run_once()

    # Then it heartbeat during the work, the loop is gone after it, and the last call is the answer
    assert slept == [5]
    assert sfn.named("SendTaskHeartbeat")[0] == {"taskToken": TOKEN}
    assert heartbeat_threads() == []
    assert sfn.calls[-1][0] == "SendTaskSuccess"


def test_given_a_heartbeat_when_the_block_ends_then_the_thread_ends_and_the_beats_stop_counting():
    beaten = threading.Event()
    with Heartbeat(beaten.set, every=0.01) as heartbeat:
        assert beaten.wait(timeout=10)
        assert heartbeat.running

    beats = heartbeat.beats
    assert not heartbeat.running
    assert heartbeat.beats == beats and heartbeat.refused is None


def test_given_a_refused_beat_then_the_loop_stops_and_keeps_the_refusal():
    refusal = ClientError({"Error": {"Code": "TaskTimedOut", "Message": "late"}}, "SendTaskHeartbeat")
    refused = threading.Event()

    def beat():
        refused.set()
        raise refusal

    heartbeat = Heartbeat(beat, every=0.01).__enter__()
    assert refused.wait(timeout=10)
    heartbeat._thread.join(timeout=10)

    assert not heartbeat.running
    assert heartbeat.refused is refusal and heartbeat.beats == 0
    heartbeat.stop()


@pytest.mark.parametrize("order, cause", [
    ({"item": "tea", "quantity": 500}, "quantity must be between 1 and 100, got 500"),
    ({"item": "", "quantity": 1}, "the order names no item"),
    ({"quantity": 1}, "the order names no item"),
])
def test_given_an_order_that_cannot_be_prepared_then_the_failure_is_order_rejected_with_the_reason(order, cause):
    sfn = FakeStepFunctions(activity_task(order))

    worker(sfn).run_once()

    assert sfn.named("SendTaskFailure") == [{"taskToken": TOKEN, "error": "OrderRejected", "cause": cause}]
    assert sfn.named("SendTaskSuccess") == []


def test_given_unreadable_input_then_the_failure_is_worker_failed_naming_the_error_type_and_message():
    sfn = FakeStepFunctions(activity_task(raw="{not json"))

    worker(sfn).run_once()

    (failure,) = sfn.named("SendTaskFailure")
    assert failure["error"] == "WorkerFailed"
    assert failure["cause"] == "PoisonMessage: the activity input is not JSON"


def test_given_work_that_crashes_then_the_failure_is_worker_failed_with_its_type_and_message_not_a_success():
    def crash(seconds):
        raise OSError("disk full")

    sfn = FakeStepFunctions(activity_task({"item": "tea", "quantity": 1, "workSeconds": 1}))

    worker(sfn, sleep=crash).run_once()

    assert sfn.named("SendTaskFailure") == [{"taskToken": TOKEN, "error": "WorkerFailed",
                                             "cause": "OSError: disk full"}]
    assert sfn.named("SendTaskSuccess") == [] and heartbeat_threads() == []


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_given_a_task_that_no_longer_waits_when_answered_then_the_worker_carries_on(code):
    sfn = FakeStepFunctions(activity_task({"item": "tea", "quantity": 1}), refuse_answers_with=code)

    assert worker(sfn).run_once() is True


def test_given_an_answer_refused_for_another_reason_then_the_worker_does_not_hide_it():
    sfn = FakeStepFunctions(activity_task({"item": "tea", "quantity": 1}), refuse_answers_with="AccessDenied")

    with pytest.raises(ClientError, match="AccessDenied"):
        worker(sfn).run_once()


def test_given_an_answer_throttled_past_the_clients_retries_then_it_is_sent_again_with_heartbeats_meanwhile():
    class ThrottledStepFunctions(FakeStepFunctions):
        refusals = 3

        def send_task_success(self, **kwargs):
            if self.refusals:
                self.refusals -= 1
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
                                   "ResponseMetadata": {"HTTPStatusCode": 400}}, "SendTaskSuccess")
            super().send_task_success(**kwargs)

    sfn = ThrottledStepFunctions(activity_task({"item": "tea", "quantity": 1}))

    assert worker(sfn).run_once() is True

    (success,) = sfn.named("SendTaskSuccess")
    assert json.loads(success["output"])["prepared"] is True
    assert sfn.refusals == 0 and sfn.named("SendTaskHeartbeat")
    assert heartbeat_threads() == []


def test_the_outcome_of_preparing_is_the_same_for_both_workers():
    outcome = prepare_activity_order(json.dumps({"orderId": "o", "order": {"item": "tea", "quantity": 2}}), TOKEN,
                                     wait=lambda seconds: None)

    assert outcome.succeeded and outcome.output == {"orderId": "o", "item": "tea", "quantity": 2, "prepared": True}


@pytest.mark.parametrize("heartbeat_seconds, every", [(3, 1.0), (60, 20.0), (0, 0.2)])
def test_the_heartbeat_beats_three_times_per_heartbeat_seconds(heartbeat_seconds, every):
    assert heartbeat_interval(heartbeat_seconds) == pytest.approx(every)


def test_given_the_worker_is_stopped_mid_work_then_the_order_is_reported_stopped_not_prepared():
    sfn = FakeStepFunctions(activity_task({"item": "tea", "quantity": 1, "workSeconds": 15}))
    stopped = worker(sfn)
    stopped.stopping.set()      # SIGTERM arrived: the work's wait returns at once, cut short

    assert stopped.run_once() is True

    assert sfn.named("SendTaskSuccess") == []
    (failure,) = sfn.named("SendTaskFailure")
    assert failure["error"] == "WorkerStopped"
    assert failure["cause"] == "the worker stopped before order order-1 was prepared"


def test_given_a_passing_network_error_then_the_worker_keeps_polling_and_takes_the_next_task():
    class FlakyStepFunctions(FakeStepFunctions):
        polls = 0

        def get_activity_task(self, **kwargs):
            self.polls += 1
            if self.polls == 1:
                raise EndpointConnectionError(endpoint_url="https://states.us-east-1.amazonaws.com")
            if self.polls > 2:
                running.stopping.set()
            return super().get_activity_task(**kwargs)

    sfn = FlakyStepFunctions(activity_task({"item": "tea", "quantity": 1}))
    running = worker(sfn)

    running.run_forever(max_backoff=0.01)

    assert sfn.polls == 3
    assert len(sfn.named("SendTaskSuccess")) == 1
