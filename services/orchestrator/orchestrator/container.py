"""Settings and adapters of the orchestrator, checked and built once per container."""
from functools import cache

import botocore.session

from lambda_shared import settings
from lambda_shared.idempotency import IdempotentRequests
from orchestrator.adapters.third_party import DoubleApi
from orchestrator.adapters.workflows import ApprovalWorkflows


@cache
def double_api() -> DoubleApi:
    """Only the Double task's function has DOUBLE_URL: its handler builds this at import, so a missing or malformed
    URL fails that function's cold start, not another's. It signs with the function's own credentials (Lambda's
    environment), in the function's region."""
    session = botocore.session.get_session()
    return DoubleApi(settings.required_url("DOUBLE_URL"), credentials=session.get_credentials(),
                     region=session.get_config_variable("region"))


@cache
def approval_workflows() -> ApprovalWorkflows:
    """Only POST /calculate's function has these settings (like double_api)."""
    return ApprovalWorkflows(settings.required("APPROVAL_WORKFLOW_ARN"))


@cache
def calculate_requests() -> IdempotentRequests:
    return IdempotentRequests(settings.required("IDEMPOTENCY_TABLE"), "POST /calculate")
