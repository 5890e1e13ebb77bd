"""An invalid TimeoutSecondsPath / HeartbeatSecondsPath ends the execution with one ExecutionFailed event.

The gap: when a Task's TimeoutSecondsPath or HeartbeatSecondsPath finds nothing in the input, AWS fails the
execution (States.Runtime, "Invalid path '$.x' : No results for path: $['x']") and its history ends
TaskStateEntered, ExecutionFailed. moto builds that failure as an event of type ExecutionFailed, which the state's
failure handling (ExecutionState._eval_state) records as the state's own failure event, before the program records
the execution's ExecutionFailed: two of them. Fixed: the two paths' failures are marked, and the event manager
leaves out the state's recording of a marked failure; the program's ExecutionFailed, same error and cause, stays.
"""


def timeout_paths_fail_the_execution_once() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
    from moto.stepfunctions.parser.asl.component.common.timeouts.heartbeat import HeartbeatSecondsPath
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSecondsPath
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

    add_event = EventManager.add_event
    if getattr(add_event, "_localcloud_fix", False):
        return

    def add_event_unless_unrecorded(self, context, event_type, event_details=None, *args, **kwargs):
        unrecorded = self.__dict__.get("_localcloud_unrecorded")
        if unrecorded and any(details is event_details for details in unrecorded):
            unrecorded[:] = [details for details in unrecorded if details is not event_details]
            return context.last_published_event_id
        return add_event(self, context, event_type, event_details, *args, **kwargs)

    add_event_unless_unrecorded._localcloud_fix = True
    add_event_unless_unrecorded.__wrapped__ = add_event
    EventManager.add_event = add_event_unless_unrecorded

    for path_class in (TimeoutSecondsPath, HeartbeatSecondsPath):
        def _eval_seconds(self, env, _original=path_class._eval_seconds):
            try:
                return _original(self, env)
            except FailureEventException as failure:
                # The state's failure handling records it next, by these very details: the program's
                # ExecutionFailed is the one AWS shows.
                env.event_manager.__dict__.setdefault("_localcloud_unrecorded", []).append(
                    failure.failure_event.event_details)
                raise

        _eval_seconds.__wrapped__ = path_class._eval_seconds
        path_class._eval_seconds = _eval_seconds
