"""iot_callback.logic.jobs: the worker's reports as plain values, and the status GET /jobs shows."""
import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from iot_callback.logic.jobs import InvalidMessage, Job, Progress, Report, public_view, topic

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "services" / "iot-callback" / "schemas"
                     / "start-job-request.json").read_text())


def test_a_failed_report_becomes_worker_failed_with_the_workers_type_and_message_as_cause():
    report = Report.from_event({"jobId": "j", "fromTenant": "t1", "status": "failed",
                                "error": {"type": "ZeroDivisionError", "message": "division by zero"}})

    assert report.task_failure() == ("WorkerFailed", "ZeroDivisionError: division by zero")


def test_a_cancelled_report_becomes_the_cancelled_error():
    report = Report.from_event({"jobId": "j", "fromTenant": "t1", "status": "cancelled"})

    assert report.task_failure()[0] == "Cancelled"


def test_a_success_without_a_result_is_refused_never_turned_into_null():
    with pytest.raises(InvalidMessage, match="result"):
        Report.from_event({"jobId": "j", "fromTenant": "t1", "status": "succeeded"})


@pytest.mark.parametrize("event", [
    {"jobId": "j", "fromTenant": "t1", "status": "done"},
    {"jobId": "", "fromTenant": "t1", "status": "failed"},
    {"jobId": "j", "fromTenant": "t/+", "status": "failed"},
])
def test_malformed_reports_are_refused(event):
    with pytest.raises(InvalidMessage):
        Report.from_event(event)


@pytest.mark.parametrize("percent", [-1, 101, "50", True, None])
def test_progress_must_be_a_percentage(percent):
    with pytest.raises(InvalidMessage):
        Progress.from_event({"jobId": "j", "fromTenant": "t1", "seq": 1, "percent": percent})


@pytest.mark.parametrize("seq", [None, 0, -3, "2", True, 1.5])
def test_progress_must_say_its_place_in_the_jobs_sequence(seq):
    with pytest.raises(InvalidMessage, match="seq"):
        Progress.from_event({"jobId": "j", "fromTenant": "t1", "seq": seq, "percent": 10})


def test_a_tenant_is_exactly_one_topic_level():
    assert topic("tenant1", "jobs") == "tenants/tenant1/jobs"
    for bad in ("a/b", "+", "#", ""):
        with pytest.raises(InvalidMessage):
            topic(bad, "jobs")


def test_the_api_schema_refuses_what_the_logic_refuses():
    validator = Draft4Validator(SCHEMA)
    assert validator.is_valid({"tenant": "tenant1", "input": {"a": 1}})
    assert not validator.is_valid({"tenant": "tenants/#", "input": {}})
    assert not validator.is_valid({"tenant": "tenant1"})
    assert not validator.is_valid({"tenant": "tenant1", "input": [], "extra": 1})


def test_the_executions_verdict_wins_over_a_record_that_never_heard_back():
    job = Job(job_id="j", tenant="t1", input={}, status="running")

    view = public_view(job, {"status": "FAILED", "error": "WorkerLost", "cause": "no heartbeat"})

    assert view["status"] == "failed" and view["error"] == {"type": "WorkerLost", "message": "no heartbeat"}
    assert public_view(job, {"status": "FAILED", "error": "Cancelled", "cause": ""})["status"] == "cancelled"
    assert public_view(job, {"status": "RUNNING"})["status"] == "running"
