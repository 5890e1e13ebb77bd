"""EventBridge as a part of the local cloud: the templates' rules (bus.py), PutEvents at the AWS endpoint, the
`schedule` rules ticking, and put() for local services that emit events (RDS's snapshot events)."""
import json
import logging

from werkzeug.wrappers import Request, Response

from localcloud.edge.server import aws_json, target_of
from localcloud.events.bus import EventBus, event_from_entry, rules_of

log = logging.getLogger("localcloud.events")


class EventBridge:
    name = "events"

    def __init__(self):
        self.bus: EventBus | None = None

    def start(self, cloud) -> None:
        self.bus = EventBus(rules_of(list(cloud.stacks.values())), invoke=cloud.invoker("events.amazonaws.com"))
        cloud.edge.add_route(lambda request, body: target_of(request) == "AWSEvents.PutEvents", self._put_events)
        self.bus.start_schedules()
        log.info("%d event rules", len(self.bus.rules))

    def put(self, event: dict) -> None:
        """An event a service of the local cloud emits (AWS services put theirs on the default bus)."""
        if self.bus is not None:
            self.bus.put(event)

    def stop(self) -> None:
        if self.bus:
            self.bus.stop()

    def _put_events(self, request: Request, body: bytes) -> Response:
        answers = []
        for entry in json.loads(body or b"{}").get("Entries", []):
            event = event_from_entry(entry)
            self.bus.put(event)
            answers.append({"EventId": event["id"]})
        return aws_json(200, {"FailedEntryCount": 0, "Entries": answers})
