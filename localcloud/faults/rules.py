"""Fault rules: which AWS calls to fail (with which AWS error) or slow down, and how many times.

A rule matches a call by its IAM service prefix ("states", "dynamodb", "sqs"...), optionally its operation
("SendTaskSuccess") and a fragment of one of its resources' ARNs. It fails the next `count` matching calls (or a
`probability` of them, or all while it stands) with `error` (the AWS error code the SDKs show, e.g.
ThrottlingException, ServiceUnavailable, AccessDeniedException, TaskTimedOut) and `status`, and/or adds
`latency_ms` before the call goes on. Plain Python: the edge asks `match(call)` for every signed AWS call.
"""
import itertools
import random
import threading
from dataclasses import asdict, dataclass, field, replace


class BadRule(ValueError):
    pass


@dataclass(frozen=True)
class FaultRule:
    service: str                       # IAM service prefix of the calls it hits
    operation: str | None = None       # botocore operation name; None: every operation of the service
    resource: str | None = None        # a fragment of one of the call's resource ARNs; None: any resource
    error: str | None = None           # the AWS error code to answer with; None: latency only
    status: int = 400
    message: str = "injected by the local cloud's fault rules"
    latency_ms: int = 0
    count: int | None = None           # how many matching calls it fails; None: every one while it stands
    probability: float = 1.0
    id: str = ""
    hits: int = 0

    @classmethod
    def from_request(cls, body: dict) -> "FaultRule":
        if not isinstance(body, dict):
            raise BadRule("a fault rule is a JSON object")
        known = {"service", "operation", "resource", "error", "status", "message", "latency_ms", "count",
                 "probability"}
        unknown = sorted(set(body) - known)
        if unknown:
            raise BadRule(f"unknown fields: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        if not isinstance(body.get("service"), str) or not body["service"]:
            raise BadRule("service (an IAM service prefix such as states, dynamodb, sqs) is required")
        try:   # stored as the types match() compares with, so a "3" cannot fail a call later instead of now
            typed = {**body, "status": int(body.get("status", 400)), "latency_ms": int(body.get("latency_ms", 0)),
                     "probability": float(body.get("probability", 1.0)),
                     "count": None if body.get("count") is None else int(body["count"])}
        except (TypeError, ValueError) as exc:
            raise BadRule(f"status, latency_ms and count are whole numbers, probability a number: {exc}") from None
        rule = cls(**typed)
        if rule.error is None and not rule.latency_ms:
            raise BadRule("a rule needs an error, a latency_ms, or both")
        if not 100 <= rule.status <= 599:
            raise BadRule("status must be an HTTP status (400-599 for an error)")
        if rule.count is not None and rule.count < 1:
            raise BadRule("count must be at least 1 (leave it out for every call)")
        if not 0 < rule.probability <= 1:
            raise BadRule("probability must be in (0, 1]")
        if not 0 <= rule.latency_ms <= 60000:
            raise BadRule("latency_ms must be between 0 and 60000")
        return rule

    def applies_to(self, service: str, operation: str, resources: tuple[str, ...]) -> bool:
        return (self.service == service and self.operation in (None, operation)
                and (self.resource is None or any(self.resource in r for r in resources)))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class FaultRules:
    """The rules standing now; thread-safe (every edge thread asks)."""
    _rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _random: random.Random = field(default_factory=random.Random)

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            rule = replace(rule, id=f"fault-{next(self._ids)}")
            self._rules.append(rule)
            return rule

    def __bool__(self) -> bool:
        return bool(self._rules)    # a racy read is fine: the edge asks per request, match() takes the lock

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self, rule_id: str | None = None) -> int:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def match(self, service: str, operation: str, resources: tuple[str, ...]) -> FaultRule | None:
        """The first rule that hits this call (counted; a rule whose count is spent goes away), or None."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not rule.applies_to(service, operation, resources):
                    continue
                if rule.probability < 1 and self._random.random() >= rule.probability:
                    continue
                hit = replace(rule, hits=rule.hits + 1)
                if rule.count is not None and hit.hits >= rule.count:
                    del self._rules[index]
                else:
                    self._rules[index] = hit
                return hit
            return None
