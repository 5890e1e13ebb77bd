"""API Gateway's request throttling: token buckets, per method of a stage and per account (api-gateway-request-
throttling.html). A request over a limit is answered THROTTLED (429) and never reaches its integration.

A stage's limits come from the template as CloudFormation declares them: AWS::ApiGateway::Stage `MethodSettings`, or
AWS::ApiGateway::Deployment `StageDescription` (its ThrottlingRateLimit/BurstLimit, and its MethodSettings). A
method setting (ResourcePath "/~1jobs", HttpMethod "POST") wins over the stage-wide one ("/*", "*"), which applies to
each method on its own. The account's limits (10,000 requests per second, bursts of 5,000) hold for every API.
Usage plans throttle API keys only; no route here requires one.
"""
import threading
import time
from dataclasses import dataclass

from localcloud.cloudformation.stack import ServiceStack

ACCOUNT_RATE, ACCOUNT_BURST = 10_000.0, 5_000


@dataclass(frozen=True)
class Limits:
    rate: float      # tokens per second
    burst: int       # bucket size


class TokenBucket:
    def __init__(self, limits: Limits, clock=time.monotonic):
        self._limits, self._clock = limits, clock
        self._tokens, self._at = float(limits.burst), clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self._limits.burst, self._tokens + (now - self._at) * self._limits.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


def _limits(settings: dict) -> Limits | None:
    rate, burst = settings.get("ThrottlingRateLimit"), settings.get("ThrottlingBurstLimit")
    if rate is None and burst is None:
        return None
    rate = float(rate if rate is not None else ACCOUNT_RATE)
    return Limits(rate=rate, burst=int(burst if burst is not None else max(1, rate)))


def method_limits(stack: ServiceStack, stage: str) -> dict[tuple[str, str], Limits]:
    """(resource path, method) -> limits; ("/*", "*") for the stage-wide default."""
    found: dict[tuple[str, str], Limits] = {}
    declared = []
    for resource in stack.of_type("AWS::ApiGateway::Stage").values():
        props = stack.resolve(resource["Properties"])
        if props.get("StageName") == stage:
            declared += props.get("MethodSettings") or []
    for resource in stack.of_type("AWS::ApiGateway::Deployment").values():
        props = stack.resolve(resource["Properties"])
        description = props.get("StageDescription") or {}
        if props.get("StageName") == stage and description:
            stage_wide = _limits(description)
            if stage_wide:
                found[("/*", "*")] = stage_wide
            declared += description.get("MethodSettings") or []
    for setting in declared:
        limits = _limits(setting)
        if limits:
            path = setting.get("ResourcePath", "/*")
            if path not in ("/", "/*"):
                path = path[1:].replace("~1", "/")    # "/~1jobs~1{jobId}" is /jobs/{jobId}
            found[(path, setting.get("HttpMethod", "*"))] = limits
    return found


class Throttles:
    """take(service, resource_path, method) -> False when the request must be answered THROTTLED."""

    def __init__(self, stacks: list[ServiceStack], stage: str, clock=time.monotonic):
        self._clock = clock
        self._limits = {stack.service: method_limits(stack, stage) for stack in stacks}
        self._buckets: dict[tuple, TokenBucket] = {}
        self._lock = threading.Lock()
        self._account = TokenBucket(Limits(ACCOUNT_RATE, ACCOUNT_BURST), clock)

    def take(self, service: str, resource_path: str, method: str) -> bool:
        limits = self._limits.get(service, {})
        key = next((k for k in ((resource_path, method), ("/*", "*")) if k in limits), None)
        if key is not None:
            with self._lock:
                bucket = self._buckets.setdefault((service, resource_path, method),
                                                  TokenBucket(limits[key], self._clock))
            if not bucket.take():
                return False
        return self._account.take()
