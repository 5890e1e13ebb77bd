"""Integration tier: each handler called as Lambda calls it, against moto resources built from serverless.yml."""
import pytest

from tests.support.approval import ApprovalService
from tests.support.fixtures import aws, captured_logs, service_resources, service_templates, sfn_calls  # noqa: F401


@pytest.fixture(autouse=True)
def _no_task_token_in_any_log(captured_logs):  # noqa: F811
    """Every integration test doubles as a check that no log line carries a task token."""
    yield


@pytest.fixture
def approval(service_resources, sfn_calls) -> ApprovalService:  # noqa: F811
    return ApprovalService(service_resources("approval"), sfn_calls)
