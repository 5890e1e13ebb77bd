"""Import paths and a safe AWS environment for every test tier.

Tests import the code the way Lambda does: each service folder is a code root (`approval.logic.links`), the shared
layer's python/ folder is a code root (`lambda_shared.http`), and the repo root holds `localcloud` and `tests.support`.
"""
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CODE_ROOTS = [REPO, REPO / "shared" / "python", *sorted(p.parent for p in (REPO / "services").glob("*/serverless.yml"))]
for root in reversed(CODE_ROOTS):
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

# Set before any handler module (and so powertools) is imported: no X-Ray daemon, metrics under one namespace.
os.environ["POWERTOOLS_TRACE_DISABLED"] = "1"
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "waitflows")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "waitflows-tests")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

# The tiers that must never reach a real or local AWS endpoint.
_OFFLINE_TIERS = (REPO / "tests" / "unit", REPO / "tests" / "integration")


@pytest.fixture(autouse=True)
def _offline_aws_environment(request, monkeypatch):
    """Unit and integration tests run against fakes or moto only: fake credentials, one region, no endpoint."""
    if not any(Path(request.node.path).is_relative_to(tier) for tier in _OFFLINE_TIERS):
        yield
        return
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "POWERTOOLS_LOGGER_LOG_EVENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    yield
