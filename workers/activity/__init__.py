"""Activity worker (seed 001): long-polls GetActivityTask, heartbeats while working, reports success or failure.

The order rules and the heartbeat loop live once, in the shared layer's order_work package; the scheduled Lambda of
the pull model runs the same code. The worker imports them from shared/python, as a Lambda does from the layer.
"""
import sys
from pathlib import Path

_SHARED_CODE = str(Path(__file__).resolve().parents[2] / "shared" / "python")
if _SHARED_CODE not in sys.path:
    sys.path.append(_SHARED_CODE)
