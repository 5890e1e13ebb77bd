"""Activity worker (seed 001): long-polls GetActivityTask, heartbeats while working, reports success or failure.

The order rules and the heartbeat loop live once, with the service whose state machine hands out the tasks
(services/queue-callback/queue_callback/logic/); the scheduled Lambda of the pull model runs the same code. The
worker imports them from that service's code root, as Lambda would from the package.
"""
import sys
from pathlib import Path

_SERVICE_CODE = str(Path(__file__).resolve().parents[2] / "services" / "queue-callback")
if _SERVICE_CODE not in sys.path:
    sys.path.append(_SERVICE_CODE)
