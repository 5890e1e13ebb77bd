"""The time, read in one place: handlers pass it to the flows, which stay pure."""
import time
from datetime import datetime, timezone


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_epoch() -> int:
    return int(time.time())
