"""Integration tier: each handler called as Lambda calls it, against moto resources built from serverless.yml."""
import pytest

from tests.support.approval import ApprovalService
from tests.support.fixtures import aws, captured_logs, metrics_published, service_resources, service_templates, \
    sfn_calls  # noqa: F401


@pytest.fixture(autouse=True)
def _no_task_token_in_any_log(captured_logs):  # noqa: F811
    """Every integration test doubles as a check that no log line carries a task token."""
    yield


@pytest.fixture(autouse=True)
def _no_metrics_left_from_another_test():
    """Powertools keeps unpublished metrics in a set every Metrics instance shares: a test starts with none, so a
    handler path that publishes nothing shows (its warning is an error in the modules that ask for it)."""
    from lambda_shared.observability import metrics

    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@pytest.fixture
def approval(service_resources, sfn_calls) -> ApprovalService:  # noqa: F811
    return ApprovalService(service_resources("approval"), sfn_calls)
