"""Event sources of the templates, and the AWS behaviours they need, as one part of the local cloud.

- EventBridge: PutEvents at the edge and the local RDS's snapshot events go to the AWS::Events::Rule targets;
  `schedule` rules tick (localcloud/event_bus.py).
- SQS event source mappings poll their queues (localcloud/event_sqs.py).
- Activities: GetActivityTask at the edge, long-polling moto's engine (moto_gaps gaps 5-7).
- RDS snapshots take time and can be told to fail (moto_gaps gap 8), through a small admin endpoint:

      POST /_localcloud/rds/instances/<db-instance-id>   {"seconds": 30, "outcome": "failed", "throttle": 2}
      POST /_localcloud/rds/snapshots/<snapshot-id>      (the same body, for one snapshot)

  Every later manual snapshot of that instance (or that one snapshot) stays "creating" for `seconds` (default
  LOCALCLOUD_RDS_SNAPSHOT_SECONDS, 2), then becomes `outcome` ("available" or "failed"; "fail" is accepted too)
  and emits its "RDS DB Snapshot Event"; `throttle` answers that many CreateDBSnapshot calls with Throttling first.
"""
import json
import logging
import re
import threading

from werkzeug.wrappers import Request, Response

from localcloud import moto_gaps
from localcloud.edge.server import client_hung_up, json_response
from localcloud.events.bus import EventBus, event_from_entry, rules_of
from localcloud.lambda_.event_source_mappings import QueuePoller, check_queue_permissions, mappings_of

log = logging.getLogger("localcloud.event-sources")
_RDS_PLAN = re.compile(r"^/_localcloud/rds/(?P<kind>instances|snapshots)/(?P<id>[A-Za-z0-9-]+)/?$")


def _aws_json(status: int, body: dict) -> Response:
    return json_response(status, body, content_type="application/x-amz-json-1.0")


def _target(request: Request) -> str:
    return request.headers.get("X-Amz-Target", "")


class EventSources:
    name = "event-sources"

    def __init__(self):
        self.bus: EventBus | None = None
        self.pollers: list[QueuePoller] = []
        self._stopping = threading.Event()
        self._edge_url = ""

    def start(self, cloud) -> None:
        self._edge_url = cloud.settings.edge_url
        moto_gaps.enable_activities()
        moto_gaps.enable_slow_rds_snapshots()
        stacks = list(cloud.stacks.values())
        self.bus = EventBus(rules_of(stacks), invoke=cloud.invoker("events.amazonaws.com"))
        cloud.edge.add_route(lambda r, b: _target(r) == "AWSEvents.PutEvents", self._put_events)
        cloud.edge.add_route(lambda r, b: _target(r) == "AWSStepFunctions.GetActivityTask", self._get_activity_task)
        cloud.edge.add_route(lambda r, b: r.method == "POST" and bool(_RDS_PLAN.match(r.path)), self._plan_rds)
        moto_gaps.add_rds_snapshot_listener(self.bus.put)
        self.bus.start_schedules()
        for mapping in mappings_of(stacks):
            # The Lambda service polls with the function's own role, which must allow it (checked as the
            # mapping's deploy would be).
            session = cloud.function_session(mapping.function)
            check_queue_permissions(mapping, cloud.roles.policies(session.role_name))
            poller = QueuePoller(mapping, cloud.client_as(session, "sqs"), cloud.runtime.invoke)
            poller.start()
            self.pollers.append(poller)
        log.info("%d event rules, %d queue mappings", len(self.bus.rules), len(self.pollers))

    def stop(self) -> None:
        self._stopping.set()
        for poller in self.pollers:
            poller.stop()
        self.pollers.clear()
        if self.bus:
            moto_gaps.remove_rds_snapshot_listener(self.bus.put)
            self.bus.stop()
        moto_gaps.cancel_rds_snapshot_timers()

    def urls(self) -> dict[str, str]:
        return {"RDS plans": f"{self._edge_url}/_localcloud/rds/instances/<db> (POST)"}

    # --- edge routes --------------------------------------------------------------------------------------------
    def _put_events(self, request: Request, body: bytes) -> Response:
        entries = json.loads(body or b"{}").get("Entries", [])
        answers = []
        for entry in entries:
            event = event_from_entry(entry)
            self.bus.put(event)
            answers.append({"EventId": event["id"]})
        return _aws_json(200, {"FailedEntryCount": 0, "Entries": answers})

    def _get_activity_task(self, request: Request, body: bytes) -> Response:
        status, answer = moto_gaps.get_activity_task(body, stopping=self._stopping,
                                                     poller_gone=client_hung_up(request))
        return _aws_json(status, answer)

    def _plan_rds(self, request: Request, body: bytes) -> Response:
        match = _RDS_PLAN.match(request.path)
        try:
            options = json.loads(body or b"{}")
            outcome = {"fail": "failed"}.get(options.get("outcome"), options.get("outcome", "available"))
            plan = moto_gaps.plan_rds_snapshots(match.group("kind")[:-1], match.group("id"),
                                                seconds=options.get("seconds"), outcome=outcome,
                                                throttle=int(options.get("throttle", 0)))
        except (ValueError, TypeError, AttributeError) as exc:
            return Response(json.dumps({"message": str(exc)}), status=400, content_type="application/json")
        return Response(json.dumps({"seconds": plan.seconds, "outcome": plan.outcome, "throttle": plan.throttle}),
                        status=200, content_type="application/json")
