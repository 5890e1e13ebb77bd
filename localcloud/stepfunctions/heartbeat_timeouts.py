"""A missed heartbeat, named as AWS names it.

The gap: a heartbeat timeout fails the task with States.Timeout; AWS names it States.HeartbeatTimeout, which a Catch
uses to tell a worker that died (no heartbeat) from a job that ran too long. Activities have the same gap
(their ActivityTimedOut event): activities.py names theirs with name_heartbeat_timeouts() too.
"""


def task_heartbeat_timeouts() -> None:
    """A Task state's missed heartbeat fails it with States.HeartbeatTimeout."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask

    name_heartbeat_timeouts(StateTask, HistoryEventType.TaskTimedOut,
                            lambda error: {"taskTimedOutEventDetails": TaskTimedOutEventDetails(error=error)})


def name_heartbeat_timeouts(state_class, event_type, event_details) -> None:
    """A state's missed heartbeat fails it with States.HeartbeatTimeout, as on AWS."""
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = state_class._from_error
    if getattr(original, "_localcloud_fix", False):
        return

    def _from_error(self, env, ex):
        if isinstance(ex, HeartbeatTimeoutError):
            name = StatesErrorNameType.StatesHeartbeatTimeout
            return FailureEvent(env=env, error_name=StatesErrorName(typ=name), event_type=event_type,
                                event_details=EventDetails(**event_details(name.to_name())))
        return original(self, env, ex)

    _from_error._localcloud_fix = True
    state_class._from_error = _from_error
