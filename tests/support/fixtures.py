"""pytest fixtures of the integration tier (imported by tests/integration/conftest.py)."""
import io
import json
import logging

import pytest
from moto import mock_aws

from lambda_shared import aws as shared_aws
from lambda_shared.observability import logger as powertools_logger
from lambda_shared.observability import metrics as powertools_metrics
from tests.support.aws import ServiceResources, StepFunctionsCalls, build_service, package_templates, \
    reset_shared_clients
from tests.support.metrics import published_metrics
from tests.support.tokens import TOKEN_MARKER


@pytest.fixture(scope="session")
def service_templates() -> dict[str, dict]:
    """Every service's template, packaged once per session (osls is skipped when the cached inputs match)."""
    return package_templates()


@pytest.fixture
def aws():
    """A fresh moto account for one test, and fresh lambda_shared clients that talk to it."""
    with mock_aws():
        reset_shared_clients()
        yield
    reset_shared_clients()


@pytest.fixture
def service_resources(service_templates, aws, monkeypatch):
    """service_resources("approval") -> the service's tables, secrets, identities... built from its serverless.yml."""
    built: dict[str, ServiceResources] = {}

    def build(service_name: str) -> ServiceResources:
        if service_name not in built:
            built[service_name] = build_service(service_templates, service_name, monkeypatch)
        return built[service_name]

    return build


@pytest.fixture
def sfn_calls(aws) -> StepFunctionsCalls:
    """The SendTaskSuccess / SendTaskFailure calls made through lambda_shared's Step Functions client."""
    return StepFunctionsCalls(shared_aws.client("stepfunctions"))


class CapturedLogs:
    def __init__(self, stream: io.StringIO, caplog: pytest.LogCaptureFixture):
        self._stream, self._caplog = stream, caplog

    @property
    def text(self) -> str:
        # caplog keeps one handler per phase: read the records of each phase, not just the current one.
        others = [record.getMessage() for phase in ("setup", "call", "teardown")
                  for record in self._caplog.get_records(phase)]
        return "\n".join([self._stream.getvalue(), *others])

    def entries(self) -> list[dict]:
        """The powertools JSON log lines written so far."""
        return [json.loads(line) for line in self._stream.getvalue().splitlines() if line.startswith("{")]


@pytest.fixture
def captured_logs(caplog):
    """Every log line of the test: powertools' JSON lines (its own stream) and any other logger (caplog).

    Task tokens are bearer credentials: after the test, no line may hold one (every test token carries a marker).
    """
    stream = io.StringIO()
    handler = powertools_logger.registered_handler
    previous = handler.setStream(stream)
    caplog.set_level(logging.INFO)
    logs = CapturedLogs(stream, caplog)
    try:
        yield logs
    finally:
        handler.setStream(previous)
    leaked = [line for line in logs.text.splitlines() if TOKEN_MARKER in line]
    assert not leaked, f"a task token reached the logs: {leaked[0][:200]}"


@pytest.fixture
def metrics_published(capsys):
    """metrics_published() -> the metrics the handlers of this test published since the last look (name -> total).

    Powertools keeps unpublished metrics in a set shared by every Metrics instance: a flow called without its
    handler's @metrics.log_metrics (as unit tests do) must not leave them to the next test's handler.
    """
    powertools_metrics.clear_metrics()
    yield lambda: published_metrics(capsys.readouterr().out)
    powertools_metrics.clear_metrics()
