"""Activity worker (seed 001): long-polls GetActivityTask, heartbeats while working, reports success or failure."""
