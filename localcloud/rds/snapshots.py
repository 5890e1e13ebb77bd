"""Amazon RDS, locally: moto's RDS, except that manual snapshots take time, may fail or be throttled on request,
and emit their "RDS DB Snapshot Event" (to the local EventBridge), as RDS does.

The moto gap: moto's snapshots are "available" the instant they are created and emit no event, so no poller would
ever poll and no event-driven wait would ever be woken. -> enable_slow_rds_snapshots()
"""
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass

@dataclass
class SnapshotPlan:
    seconds: float | None = None      # how long the snapshot stays "creating"
    outcome: str = "available"        # or "failed"
    throttle: int = 0                 # answer this many CreateDBSnapshot calls with Throttling first


_snapshot_plans: dict[str, SnapshotPlan] = {}   # "instance:<id>" or "snapshot:<id>" -> plan
_snapshot_listeners: list = []                   # callables(event: dict), e.g. the local EventBridge
_snapshot_timers: list[threading.Timer] = []


def default_snapshot_seconds() -> float:
    return float(os.environ.get("LOCALCLOUD_RDS_SNAPSHOT_SECONDS", "2"))


def plan_rds_snapshots(kind: str, identifier: str, *, seconds: float | None = None, outcome: str = "available",
                       throttle: int = 0) -> SnapshotPlan:
    """kind "instance": every later snapshot of that DB instance; kind "snapshot": the snapshot of that name."""
    if kind not in ("instance", "snapshot"):
        raise ValueError("kind must be instance or snapshot")
    if outcome not in ("available", "failed"):
        raise ValueError('outcome must be "available" or "failed"')
    if seconds is not None and not 0 <= float(seconds) <= 3600:
        raise ValueError("seconds must be between 0 and 3600")
    plan = SnapshotPlan(seconds=None if seconds is None else float(seconds), outcome=outcome, throttle=int(throttle))
    _snapshot_plans[f"{kind}:{identifier}"] = plan
    return plan


def _plan_for(instance_id: str, snapshot_id: str) -> SnapshotPlan:
    return _snapshot_plans.get(f"snapshot:{snapshot_id}") or _snapshot_plans.get(f"instance:{instance_id}") \
        or SnapshotPlan()


def add_rds_snapshot_listener(listener) -> None:
    _snapshot_listeners.append(listener)


def remove_rds_snapshot_listener(listener) -> None:
    if listener in _snapshot_listeners:
        _snapshot_listeners.remove(listener)


def rds_snapshot_event(snapshot, outcome: str) -> dict:
    """The EventBridge event RDS sends when a manual snapshot is created (RDS-EVENT-0042) or fails."""
    created = outcome == "available"
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "RDS DB Snapshot Event", "source": "aws.rds",
        "account": snapshot.backend.account_id, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": snapshot.backend.region_name, "resources": [snapshot.arn],
        "detail": {
            "EventCategories": ["creation"] if created else ["failure"],
            "SourceType": "SNAPSHOT", "SourceArn": snapshot.arn,
            "Date": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "Message": "Manual snapshot created" if created else "Manual snapshot failed",
            "SourceIdentifier": snapshot.db_snapshot_identifier,
            **({"EventID": "RDS-EVENT-0042"} if created else {}),
        },
    }


def _settle_snapshot(snapshot, outcome: str) -> None:
    snapshot.status = outcome
    event = rds_snapshot_event(snapshot, outcome)
    for listener in list(_snapshot_listeners):
        try:
            listener(event)
        except Exception:   # a broken listener must not keep the others from hearing
            logging.getLogger("localcloud.rds").exception("RDS snapshot listener failed")


def enable_slow_rds_snapshots() -> None:
    """Gap 9: manual snapshots stay "creating" for a while, may fail or be throttled on request, and emit events."""
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend

    original = RDSBackend.create_db_snapshot
    if getattr(original, "_localcloud_fix", False):
        return

    def create_db_snapshot(self, db_instance_identifier, db_snapshot_identifier, snapshot_type="manual", *args,
                           **kwargs):
        plan = _plan_for(db_instance_identifier, db_snapshot_identifier)
        if snapshot_type == "manual" and plan.throttle > 0:
            plan.throttle -= 1
            raise RDSClientError("Throttling", "Rate exceeded")
        snapshot = original(self, db_instance_identifier, db_snapshot_identifier, snapshot_type, *args, **kwargs)
        if snapshot_type != "manual":
            return snapshot
        snapshot.status = "creating"
        seconds = plan.seconds if plan.seconds is not None else default_snapshot_seconds()
        timer = threading.Timer(seconds, _settle_snapshot, args=(snapshot, plan.outcome))
        timer.daemon = True
        timer.start()
        _snapshot_timers[:] = [t for t in _snapshot_timers if t.is_alive()] + [timer]
        return snapshot

    create_db_snapshot._localcloud_fix = True
    RDSBackend.create_db_snapshot = create_db_snapshot


def cancel_rds_snapshot_timers() -> None:
    for timer in _snapshot_timers:
        timer.cancel()
    _snapshot_timers.clear()
