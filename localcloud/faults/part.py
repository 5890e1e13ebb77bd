"""Fault injection as a part of the local cloud: the edge asks it about every signed AWS call, after IAM.

    GET    /_localcloud/faults            the rules standing and the last faults injected
    POST   /_localcloud/faults            add a rule: {"service": "states", "operation": "SendTaskSuccess",
                                          "error": "ThrottlingException", "count": 1}; other kinds:
                                          {"kind": "mqtt-drop", "topic": "tenants/+/results"},
                                          {"kind": "lambda-kill", "function": "reportResult"}...
                                          (localcloud/faults/rules.py)
    DELETE /_localcloud/faults[/<id>]     clear one rule, or all

`python -m localcloud faults add|list|clear` does the same from a terminal. A rule is added or cleared by the CLI,
an SDK or the console's page, never by a browser on another page's behalf (a foreign Origin is refused). An injected error is answered in the
service's own protocol (JSON, query, REST), as AWS answers it, so the caller's SDK raises what it would on AWS.
The IoT gateway asks `mqtt_message` and `mqtt_connect` for each PUBLISH and CONNECT it passes; the Lambda runtime asks
`lambda_invocation` before each invocation. Every fault injected is logged (localcloud.faults) and listed in one
"injected" list, newest last.
"""
import collections
import json
import logging
import threading
import time
import uuid

from werkzeug.wrappers import Request, Response

from localcloud.cloudformation.stack import ACCOUNT, REGION
from localcloud.edge.origins import is_foreign, refused_origin_message
from localcloud.faults import rules as kinds
from localcloud.faults.rules import BadRule, FaultRule, FaultRules
from localcloud.iam.errors import aws_error
from localcloud.iam.names import MotoNames
from localcloud.iam.requests import identify

log = logging.getLogger("localcloud.faults")
PREFIX = "/_localcloud/faults"


class FaultInjection:
    name = "faults"

    def __init__(self):
        self.rules = FaultRules()
        self._injected: collections.deque = collections.deque(maxlen=200)
        self._lock = threading.Lock()
        self._names = MotoNames(account=ACCOUNT, region=REGION)
        self._edge_url = ""
        self._gateway = None

    def start(self, cloud) -> None:
        self._edge_url = cloud.settings.edge_url
        cloud.edge.inject = self.check
        cloud.runtime.inject = self.lambda_invocation
        mqtt = cloud.extension("mqtt")
        if mqtt is not None and mqtt.gateway is not None:
            self._gateway = mqtt.gateway
            self._gateway.faults = self
        cloud.edge.add_route(lambda request, body: request.path.rstrip("/").startswith(PREFIX), self._api)

    def stop(self) -> None:
        self.rules.clear()

    def urls(self) -> dict[str, str]:
        return {"fault rules": f"{self._edge_url}{PREFIX}"}

    # --- the edge's question ----------------------------------------------------------------------------------
    def check(self, method, raw_path, query, headers, body):
        """None to let the call go on (after any latency), or the AWS error to answer with."""
        if not self.rules:       # every AWS call passes here: no rules, no work
            return None
        call = identify(method, raw_path, query, headers, body, region=REGION, account=ACCOUNT, names=self._names)
        if call is None:
            return None
        rule = self.rules.match(call.service, call.operation, call.resources)
        if rule is None:
            return None
        self._record(rule, call.service, call.operation, list(call.resources), rule.error, rule.latency_ms)
        if rule.latency_ms:
            time.sleep(rule.latency_ms / 1000)
        if rule.error is None:
            return None
        return aws_error(call, rule.status, rule.error, rule.message, str(uuid.uuid4()))

    # --- the IoT gateway's and the Lambda runtime's questions -------------------------------------------------
    def mqtt_message(self, topic: str, client_id: str | None) -> FaultRule | None:
        """A PUBLISH through the gateway: None to pass it on, or the mqtt-drop / mqtt-delay rule that hits it."""
        if not self.rules:
            return None
        rule = self.rules.take(lambda r: r.applies_to_message(topic, client_id))
        if rule is not None:
            self._record(rule, "iot", "Publish", [f"arn:aws:iot:{REGION}:{ACCOUNT}:topic/{topic}"],
                         "dropped" if rule.kind == kinds.MQTT_DROP else None, rule.latency_ms, client_id=client_id)
        return rule

    def mqtt_connect(self, client_id: str | None) -> bool:
        """True when an mqtt-disconnect rule cuts this client's connection (asked at its CONNECT, and at once for
        the connections standing when the rule is added)."""
        if not self.rules:
            return False
        rule = self.rules.take(lambda r: r.applies_to_client(client_id))
        if rule is not None:
            self._record(rule, "iot", "Connect", [f"arn:aws:iot:{REGION}:{ACCOUNT}:client/{client_id}"],
                         "disconnected", 0, client_id=client_id)
        return rule is not None

    def lambda_invocation(self, function_name: str) -> FaultRule | None:
        """An invocation about to start: None, or the lambda-kill / lambda-timeout rule that cuts it."""
        if not self.rules:
            return None
        rule = self.rules.take(lambda r: r.applies_to_invocation(function_name))
        if rule is not None:
            error = "Sandbox.Timedout" if rule.kind == kinds.LAMBDA_TIMEOUT else "Runtime.ExitError"
            self._record(rule, "lambda", "Invoke", [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"],
                         error, 0, after_ms=rule.after_ms)
        return rule

    def _record(self, rule: FaultRule, service: str, operation: str, resources: list[str], error: str | None,
                latency_ms: int, **details) -> None:
        record = {"at": time.time(), "rule": rule.id, "kind": rule.kind, "service": service, "operation": operation,
                  "resources": resources, "error": error, "latency_ms": latency_ms, **details}
        with self._lock:
            self._injected.append(record)
        log.warning("fault %s (%s): %s:%s %s %s", rule.id, rule.kind, service, operation, " ".join(resources),
                    f"-> {error}" if error else f"+{latency_ms} ms")

    # --- the HTTP API -----------------------------------------------------------------------------------------
    def _api(self, request: Request, body: bytes) -> Response:
        rule_id = request.path.rstrip("/")[len(PREFIX):].strip("/") or None
        if request.method == "GET":
            with self._lock:
                injected = list(self._injected)
            return _json(200, {"rules": [r.as_dict() for r in self.rules.list()], "injected": injected})
        if is_foreign(request):
            return _json(403, {"message": refused_origin_message(request, "Fault rules are changed")})
        if request.method == "POST" and rule_id is None:
            try:
                rule = self.rules.add(FaultRule.from_request(json.loads(body or b"{}")))
            except (ValueError, TypeError) as exc:   # BadRule, bad JSON, a field of the wrong type
                return _json(400, {"message": str(exc) if isinstance(exc, BadRule) else f"invalid rule: {exc}"})
            log.warning("fault rule added: %s", rule.as_dict())
            if rule.kind == kinds.MQTT_DISCONNECT and self._gateway is not None:
                self._gateway.cut(rule.client_id)
            return _json(201, rule.as_dict())
        if request.method == "DELETE":
            return _json(200, {"cleared": self.rules.clear(rule_id)})
        return _json(405, {"message": f"{request.method} {request.path}: use GET, POST or DELETE on {PREFIX}"})


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
