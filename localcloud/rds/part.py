"""RDS as a part of the local cloud: snapshots that take time (snapshots.py), their events sent to EventBridge, and a
small admin endpoint to plan them:

    POST /_localcloud/rds/instances/<db-instance-id>   {"seconds": 30, "outcome": "failed", "throttle": 2}
    POST /_localcloud/rds/snapshots/<snapshot-id>      (the same body, for one snapshot)

Every later manual snapshot of that instance (or that one snapshot) stays "creating" for `seconds` (default
LOCALCLOUD_RDS_SNAPSHOT_SECONDS, 2), then becomes `outcome` ("available" or "failed"; "fail" is accepted too) and
emits its "RDS DB Snapshot Event"; `throttle` answers that many CreateDBSnapshot calls with Throttling first.
"""
import json
import re
from typing import Callable

from werkzeug.wrappers import Request, Response

from localcloud.edge.server import json_response
from localcloud.rds import snapshots

_PLAN = re.compile(r"^/_localcloud/rds/(?P<kind>instances|snapshots)/(?P<id>[A-Za-z0-9-]+)/?$")


class RdsSnapshots:
    name = "rds"

    def __init__(self, emit: Callable[[dict], None]):
        self._emit = emit          # where RDS's events go: the local EventBridge
        self._edge_url = ""

    def start(self, cloud) -> None:
        self._edge_url = cloud.settings.edge_url
        snapshots.enable_slow_rds_snapshots()
        snapshots.add_rds_snapshot_listener(self._emit)
        cloud.edge.add_route(lambda request, body: request.method == "POST" and bool(_PLAN.match(request.path)),
                             self._plan)

    def stop(self) -> None:
        snapshots.remove_rds_snapshot_listener(self._emit)
        snapshots.cancel_rds_snapshot_timers()

    def urls(self) -> dict[str, str]:
        return {"RDS plans": f"{self._edge_url}/_localcloud/rds/instances/<db> (POST)"}

    def _plan(self, request: Request, body: bytes) -> Response:
        match = _PLAN.match(request.path)
        try:
            options = json.loads(body or b"{}")
            outcome = {"fail": "failed"}.get(options.get("outcome"), options.get("outcome", "available"))
            plan = snapshots.plan_rds_snapshots(match.group("kind")[:-1], match.group("id"),
                                                seconds=options.get("seconds"), outcome=outcome,
                                                throttle=int(options.get("throttle", 0)))
        except (ValueError, TypeError, AttributeError) as exc:
            return json_response(400, {"message": str(exc)})
        return json_response(200, {"seconds": plan.seconds, "outcome": plan.outcome, "throttle": plan.throttle})
