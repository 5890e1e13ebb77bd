"""workers.onprem: the default job, the job context, and where the worker finds the local cloud."""
import pytest

from workers.onprem import config
from workers.onprem.jobs import ON_REQUEST, SHUTDOWN, JobCancelled, RunningJob, add, load


def context(progress=None) -> RunningJob:
    return RunningJob("job-1", lambda job_id, seq, percent, message: (progress if progress is not None else []).append(
        (percent, message, seq)))


def test_the_default_job_adds_a_and_b():
    assert add({"a": 15, "b": 42}, context()) == 57


def test_the_default_job_refuses_what_is_not_a_number():
    with pytest.raises(TypeError, match="must be numbers"):
        add({"a": 15, "b": "42"}, context())


def test_a_slow_job_reports_progress_and_stops_when_cancelled():
    seen: list = []
    running = context(seen)
    running.cancelled.set()

    with pytest.raises(JobCancelled):
        add({"a": 1, "b": 2, "seconds": 10}, running)

    assert seen and seen[0][0] == 0


@pytest.mark.parametrize("reason, message", [(ON_REQUEST, "job job-1 was cancelled"),
                                             (SHUTDOWN, "the worker stopped before job job-1 finished")])
def test_a_stopped_job_says_whether_the_cloud_asked_or_the_worker_is_shutting_down(reason, message):
    running = context()
    running.cancel(reason)

    with pytest.raises(JobCancelled) as stopped:
        running.sleep(10)

    assert (stopped.value.reason, str(stopped.value)) == (reason, message)


def test_progress_messages_are_numbered_in_the_order_the_job_reports_them():
    seen: list = []
    running = context(seen)

    add({"a": 1, "b": 2, "seconds": 0.01}, running)

    assert [seq for _, _, seq in seen] == list(range(1, len(seen) + 1))
    assert seen[-1][0] == 100


def test_a_job_is_loaded_by_module_and_function_name():
    assert load("workers.onprem.jobs:add") is add
    with pytest.raises(ValueError):
        load("workers.onprem.jobs")


def test_the_worker_defaults_to_the_local_clouds_broker_and_certificates(monkeypatch):
    monkeypatch.delenv("WORKER_MQTT_PORT", raising=False)
    monkeypatch.delenv("LOCALCLOUD_MQTT_PORT", raising=False)
    parsed = config.parse(["--tenant", "tenant1"])

    assert (parsed.endpoint, parsed.port, parsed.client_id) == ("127.0.0.1", 8883, "tenant1")
    assert parsed.ca == config.LOCAL_CERTS / "ca.crt"
    assert parsed.cert == config.LOCAL_TENANT_CERTS / "tenant1.crt"      # where workers.onprem.onboard writes it
    assert parsed.topics["jobs"] == "tenants/tenant1/jobs"

