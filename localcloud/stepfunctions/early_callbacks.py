"""A callback that arrives before its task waits for it, as AWS takes it.

The gap: a waitForTaskToken task with HeartbeatSeconds misses a callback that arrives while its Lambda invoke is
still running (the heartbeat wait is set up only after the invoke returns, and starts unsignalled), so the task dies
by heartbeat timeout although its result arrived. On AWS an early callback completes the task.
"""


def heartbeat_sees_early_callback() -> None:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint

    original = CallbackEndpoint.setup_heartbeat_endpoint
    if getattr(original, "_localcloud_fix", False):
        return

    def setup_heartbeat_endpoint(self, heartbeat_seconds):
        endpoint = original(self, heartbeat_seconds)
        # notify() signals the heartbeat endpoint once it exists; an outcome that came earlier must count too.
        if self.get_outcome() is not None:
            endpoint.notify()
        return endpoint

    setup_heartbeat_endpoint._localcloud_fix = True
    setup_heartbeat_endpoint.__wrapped__ = original
    CallbackEndpoint.setup_heartbeat_endpoint = setup_heartbeat_endpoint
