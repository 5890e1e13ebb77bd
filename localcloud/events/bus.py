"""The local EventBridge: rules of the templates (AWS::Events::Rule) delivering to their Lambda targets.

Two kinds of rule exist in serverless.yml files and both are read from the packaged templates:
- EventPattern rules (`events: - eventBridge: pattern:`): every event put through PutEvents at the edge, or emitted
  by a local service (RDS's snapshot events, localcloud/rds/), goes to the targets of each matching rule;
- ScheduleExpression rules (`events: - schedule:`): a timer thread per rule invokes the targets with a
  "Scheduled Event". rate(N minute|minutes|hour|hours|day|days) as on AWS; stage local may also say
  rate(N second|seconds), which AWS refuses, to tick fast; cron(...) fires once a minute locally.
Targets are invoked asynchronously (InvocationType Event), as EventBridge invokes Lambda, as its service principal:
a function whose resource-based policy does not let events.amazonaws.com in for that rule is not invoked.
"""
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from moto.events.models import EventPattern

from localcloud.edge.server import function_name
from localcloud.lambda_.permissions import InvokeRefused
from localcloud.cloudformation.stack import ACCOUNT, REGION, ServiceStack

log = logging.getLogger("localcloud.events")
_RATE = re.compile(r"^rate\((\d+)\s+(second|seconds|minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def schedule_seconds(expression: str) -> float:
    """Seconds between ticks of a ScheduleExpression."""
    match = _RATE.match(expression.strip())
    if match:
        return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]
    if expression.strip().startswith("cron("):
        return 60.0
    raise ValueError(f"unsupported ScheduleExpression {expression!r}")


@dataclass
class Rule:
    service: str
    name: str
    arn: str
    functions: list[tuple[str, str | None]]      # (function name, constant Input or None)
    pattern: EventPattern | None = None
    schedule: str | None = None


def rules_of(stacks: list[ServiceStack]) -> list[Rule]:
    rules = []
    for stack in stacks:
        for logical_id, resource in stack.of_type("AWS::Events::Rule").items():
            props = stack.resolve(resource.get("Properties", {}))
            if props.get("State", "ENABLED") != "ENABLED":
                continue
            attributes = stack.attributes(logical_id)
            targets = []
            for target in props.get("Targets", []):
                if ":lambda:" not in str(target.get("Arn", "")):
                    log.warning("%s: rule %s targets %s, which the local cloud does not deliver to",
                                stack.service, logical_id, target.get("Arn"))
                    continue
                targets.append((function_name(target["Arn"]), target.get("Input")))
            pattern = props.get("EventPattern")
            if isinstance(pattern, str):
                pattern = json.loads(pattern)
            rules.append(Rule(stack.service, attributes["Ref"], attributes["Arn"], targets,
                              EventPattern(json.dumps(pattern), pattern) if pattern else None,
                              props.get("ScheduleExpression")))
    return rules


def event_from_entry(entry: dict) -> dict:
    """A PutEvents entry as EventBridge delivers it."""
    detail = entry.get("Detail") or "{}"
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": entry.get("DetailType", ""),
        "source": entry.get("Source", ""), "account": ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": REGION,
        "resources": entry.get("Resources", []), "detail": json.loads(detail) if isinstance(detail, str) else detail,
    }


class EventBus:
    def __init__(self, rules: list[Rule], invoke: Callable):
        self.rules = rules
        self._invoke = invoke            # invoke(name, payload, *, source_arn, invocation_type), as events.amazonaws.com
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.delivered: list[tuple[str, str]] = []   # (rule name, event id), for the curious

    def put(self, event: dict) -> int:
        """Deliver one event to every matching rule's targets; returns how many rules matched."""
        matched = 0
        for rule in self.rules:
            if rule.pattern is None or not rule.pattern.matches_event(event):
                continue
            matched += 1
            for name, constant_input in rule.functions:
                payload = constant_input if constant_input is not None else json.dumps(event)
                self._deliver(rule, name, payload, event["id"])
        return matched

    def _deliver(self, rule: Rule, function: str, payload: str, event_id: str) -> None:
        try:
            self._invoke(function, payload.encode(), invocation_type="Event", source_arn=rule.arn)
            self.delivered.append((rule.name, event_id))
        except InvokeRefused as exc:
            log.error("rule %s failed to invoke its target: %s", rule.name, exc)
        except Exception:
            log.exception("rule %s could not invoke %s", rule.name, function)

    def start_schedules(self) -> None:
        for rule in self.rules:
            if rule.schedule:
                thread = threading.Thread(target=self._tick, args=(rule, schedule_seconds(rule.schedule)),
                                          name=f"localcloud-schedule-{rule.name}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _tick(self, rule: Rule, every: float) -> None:
        while not self._stop.wait(every):
            event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                     "source": "aws.events", "account": ACCOUNT, "region": REGION,
                     "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "resources": [rule.arn],
                     "detail": {}}
            for name, constant_input in rule.functions:
                self._deliver(rule, name, constant_input if constant_input is not None else json.dumps(event),
                              event["id"])

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
