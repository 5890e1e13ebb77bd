"""Fault rules: which AWS calls to fail or slow down, which MQTT messages to drop or delay, which MQTT clients to cut
off, which Lambda invocations to crash or time out; and how many times.

One rule model; `kind` says what a rule does and which fields it takes:

- `aws` (the default): matches a signed AWS call by its IAM service prefix ("states", "dynamodb", "sqs"...),
  optionally its operation ("SendTaskSuccess") and a fragment of one of its resources' ARNs; answers `error` (the AWS
  error code the SDKs show: ThrottlingException, ServiceUnavailable, AccessDeniedException, TaskTimedOut) with
  `status`, and/or adds `latency_ms` before the call goes on;
- `mqtt-drop`, `mqtt-delay`: a PUBLISH through the IoT gateway (device to broker, or a delivery to a device) on a
  topic matching `topic` (an MQTT topic filter, + and # allowed), optionally of one `client_id`: dropped after it was
  acknowledged (the sender believes it delivered), or held `latency_ms` and then forwarded;
- `mqtt-disconnect`: the connection of `client_id` is cut (no DISCONNECT: the broker sees a lost connection), now if
  it is connected and at its next connects while the rule stands;
- `lambda-kill`, `lambda-timeout`: an invocation of a function whose name holds `function` is cut `after_ms` into
  its run (0: before its handler sees the event; more: while it runs, or after it did its work): its worker process
  is SIGKILLed and Lambda reports Runtime.ExitError, or Sandbox.Timedout ("Task timed out after N seconds"), as for
  a function that ran past its timeout.

Every kind fails the next `count` matching events (or a `probability` of them, or all while it stands). Plain
Python: the edge, the IoT gateway and the Lambda runtime ask `match(...)` for every event of theirs.
"""
import itertools
import random
import threading
from dataclasses import asdict, dataclass, field, replace

AWS, MQTT_DROP, MQTT_DELAY, MQTT_DISCONNECT, LAMBDA_KILL, LAMBDA_TIMEOUT = (
    "aws", "mqtt-drop", "mqtt-delay", "mqtt-disconnect", "lambda-kill", "lambda-timeout")
_COMMON = {"kind", "count", "probability"}
# What each kind takes: required fields first, then the optional ones.
FIELDS = {
    AWS: ({"service"}, {"operation", "resource", "error", "status", "message", "latency_ms"}),
    MQTT_DROP: ({"topic"}, {"client_id"}),
    MQTT_DELAY: ({"topic", "latency_ms"}, {"client_id"}),
    MQTT_DISCONNECT: ({"client_id"}, set()),
    LAMBDA_KILL: ({"function"}, {"after_ms"}),
    LAMBDA_TIMEOUT: ({"function"}, {"after_ms"}),
}
_WHAT = {"service": "an IAM service prefix such as states, dynamodb, sqs", "topic": "an MQTT topic filter",
         "client_id": "an MQTT client id", "function": "a fragment of a Lambda function's name",
         "latency_ms": "milliseconds"}


class BadRule(ValueError):
    pass


@dataclass(frozen=True)
class FaultRule:
    service: str | None = None         # aws: IAM service prefix of the calls it hits
    operation: str | None = None       # aws: botocore operation name; None: every operation of the service
    resource: str | None = None        # aws: a fragment of one of the call's resource ARNs; None: any resource
    error: str | None = None           # aws: the AWS error code to answer with; None: latency only
    status: int = 400
    message: str = "injected by the local cloud's fault rules"
    latency_ms: int = 0                # aws: before the call goes on; mqtt-delay: before the message goes on
    count: int | None = None           # how many matching events it hits; None: every one while it stands
    probability: float = 1.0
    id: str = ""
    hits: int = 0
    kind: str = AWS
    topic: str | None = None           # mqtt-drop, mqtt-delay: an MQTT topic filter
    client_id: str | None = None       # mqtt-*: the client whose messages or connection it hits; None: any client
    function: str | None = None        # lambda-*: a fragment of the function's name
    after_ms: int = 0                  # lambda-*: how long the handler runs before its sandbox is cut

    @classmethod
    def from_request(cls, body: dict) -> "FaultRule":
        if not isinstance(body, dict):
            raise BadRule("a fault rule is a JSON object")
        kind = body.get("kind", AWS)
        if kind not in FIELDS:
            raise BadRule(f"kind must be one of {', '.join(FIELDS)}, not {kind!r}")
        required, optional = FIELDS[kind]
        takes = required | optional | _COMMON
        unknown = sorted(set(body) - set().union(*(r | o for r, o in FIELDS.values())) - _COMMON)
        if unknown:
            raise BadRule(f"unknown fields: {', '.join(unknown)} (a {kind} rule takes: {', '.join(sorted(takes))})")
        other_kinds = sorted(set(body) - takes)
        if other_kinds:
            raise BadRule(f"a {kind} rule takes no {', '.join(other_kinds)} (it takes: {', '.join(sorted(takes))})")
        for name in sorted(required):
            if name == "latency_ms":
                continue                        # a number, checked below
            if not isinstance(body.get(name), str) or not body[name]:
                raise BadRule(f"a {kind} rule needs {name} ({_WHAT[name]})")
        try:   # stored as the types match() compares with, so a "3" cannot fail a call later instead of now
            typed = {**body, "status": int(body.get("status", 400)), "latency_ms": int(body.get("latency_ms", 0)),
                     "after_ms": int(body.get("after_ms", 0)), "probability": float(body.get("probability", 1.0)),
                     "count": None if body.get("count") is None else int(body["count"])}
        except (TypeError, ValueError) as exc:
            raise BadRule("status, latency_ms, after_ms and count are whole numbers, probability a number: "
                          f"{exc}") from None
        rule = cls(**typed)
        if kind == AWS and rule.error is None and not rule.latency_ms:
            raise BadRule("an aws rule needs an error, a latency_ms, or both")
        if kind == MQTT_DELAY and not rule.latency_ms:
            raise BadRule("an mqtt-delay rule needs latency_ms (milliseconds, at least 1)")
        if rule.topic is not None and not _valid_filter(rule.topic):
            raise BadRule(f"topic {rule.topic!r} is not an MQTT topic filter (+ is a whole level, # the last one)")
        if not 100 <= rule.status <= 599:
            raise BadRule("status must be an HTTP status (400-599 for an error)")
        if rule.count is not None and rule.count < 1:
            raise BadRule("count must be at least 1 (leave it out for every event)")
        if not 0 < rule.probability <= 1:
            raise BadRule("probability must be in (0, 1]")
        if not 0 <= rule.latency_ms <= 60000 or not 0 <= rule.after_ms <= 60000:
            raise BadRule("latency_ms and after_ms must be between 0 and 60000")
        return rule

    def applies_to(self, service: str, operation: str, resources: tuple[str, ...]) -> bool:
        """An AWS call (kind aws)."""
        return (self.kind == AWS and self.service == service and self.operation in (None, operation)
                and (self.resource is None or any(self.resource in r for r in resources)))

    def applies_to_message(self, topic: str, client_id: str | None) -> bool:
        return (self.kind in (MQTT_DROP, MQTT_DELAY) and topic_matches(self.topic, topic)
                and self.client_id in (None, client_id))

    def applies_to_client(self, client_id: str | None) -> bool:
        return self.kind == MQTT_DISCONNECT and self.client_id == client_id

    def applies_to_invocation(self, function_name: str) -> bool:
        return self.kind in (LAMBDA_KILL, LAMBDA_TIMEOUT) and self.function in function_name

    def as_dict(self) -> dict:
        return asdict(self)


def _valid_filter(topic_filter: str) -> bool:
    levels = topic_filter.split("/")
    return all(("+" not in level or level == "+") and ("#" not in level or (level == "#" and i == len(levels) - 1))
               for i, level in enumerate(levels))


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT matching: + is one level, # the rest (and the parent level); $-topics only by a filter naming them."""
    wanted, levels = topic_filter.split("/"), topic.split("/")
    if topic.startswith("$") and not topic_filter.startswith("$"):
        return False
    for index, part in enumerate(wanted):
        if part == "#":
            return True
        if index >= len(levels) or (part != "+" and part != levels[index]):
            return False
    return len(wanted) == len(levels)


@dataclass
class FaultRules:
    """The rules standing now; thread-safe (every edge thread, the IoT gateway and the Lambda runtime ask)."""
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
        return bool(self._rules)    # a racy read is fine: callers ask per event, match() takes the lock

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self, rule_id: str | None = None) -> int:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def match(self, service: str, operation: str, resources: tuple[str, ...]) -> FaultRule | None:
        """The first aws rule that hits this call (counted; a rule whose count is spent goes away), or None."""
        return self.take(lambda rule: rule.applies_to(service, operation, resources))

    def take(self, applies) -> FaultRule | None:
        """The first rule for which applies(rule) holds and that hits now, counted; or None."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not applies(rule):
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
