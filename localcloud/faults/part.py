"""Fault injection as a part of the local cloud: the edge asks it about every signed AWS call, after IAM.

    GET    /_localcloud/faults            the rules standing and the last faults injected
    POST   /_localcloud/faults            add a rule: {"service": "states", "operation": "SendTaskSuccess",
                                          "error": "ThrottlingException", "count": 1}  (localcloud/faults/rules.py)
    DELETE /_localcloud/faults[/<id>]     clear one rule, or all

`python -m localcloud faults add|list|clear` does the same from a terminal. An injected error is answered in the
service's own protocol (JSON, query, REST), as AWS answers it, so the caller's SDK raises what it would on AWS.
"""
import collections
import json
import logging
import threading
import time
import uuid

from werkzeug.wrappers import Request, Response

from localcloud.cloudformation.stack import ACCOUNT, REGION
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

    def start(self, cloud) -> None:
        self._edge_url = cloud.settings.edge_url
        cloud.edge.inject = self.check
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
        record = {"at": time.time(), "rule": rule.id, "service": call.service, "operation": call.operation,
                  "resources": list(call.resources), "error": rule.error, "latency_ms": rule.latency_ms}
        with self._lock:
            self._injected.append(record)
        log.warning("fault %s: %s:%s %s", rule.id, call.service, call.operation,
                    f"-> {rule.error}" if rule.error else f"+{rule.latency_ms} ms")
        if rule.latency_ms:
            time.sleep(rule.latency_ms / 1000)
        if rule.error is None:
            return None
        return aws_error(call, rule.status, rule.error, rule.message, str(uuid.uuid4()))

    # --- the HTTP API -----------------------------------------------------------------------------------------
    def _api(self, request: Request, body: bytes) -> Response:
        rule_id = request.path.rstrip("/")[len(PREFIX):].strip("/") or None
        if request.method == "GET":
            with self._lock:
                injected = list(self._injected)
            return _json(200, {"rules": [r.as_dict() for r in self.rules.list()], "injected": injected})
        if request.method == "POST" and rule_id is None:
            try:
                rule = self.rules.add(FaultRule.from_request(json.loads(body or b"{}")))
            except (ValueError, TypeError) as exc:   # BadRule, bad JSON, a field of the wrong type
                return _json(400, {"message": str(exc) if isinstance(exc, BadRule) else f"invalid rule: {exc}"})
            log.warning("fault rule added: %s", rule.as_dict())
            return _json(201, rule.as_dict())
        if request.method == "DELETE":
            return _json(200, {"cleared": self.rules.clear(rule_id)})
        return _json(405, {"message": f"{request.method} {request.path}: use GET, POST or DELETE on {PREFIX}"})


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
