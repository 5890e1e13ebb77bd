"""Settings and adapters of the orchestrator, checked and built once per container."""
from functools import cache

from lambda_shared import settings
from orchestrator.adapters.third_party import DoubleApi


@cache
def double_api() -> DoubleApi:
    """Only the Double task's function has DOUBLE_URL: its handler builds this at import, so a missing or malformed
    URL fails that function's cold start, not another's."""
    return DoubleApi(settings.required_url("DOUBLE_URL"))
