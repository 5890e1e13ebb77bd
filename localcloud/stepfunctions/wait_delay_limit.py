"""A Wait whose delay is too long fails at once, as on AWS.

The gap: moto's Wait waits for whatever delay its Timestamp (or SecondsPath) gives, even one no execution can live
to see. AWS fails it when the state is entered: States.Runtime, "Wait state delay is too long.", with no Wait
exit event. Recorded on AWS: a TimestampPath 24856 days ahead fails so, 24856 days being the first whole day past
2^31 - 1 seconds; the limit taken here is that largest signed 32-bit count of seconds (inferred from that
boundary: AWS documents none). A literal `Seconds` never reaches it: definitions cap it at 99999999.
"""

MAX_WAIT_SECONDS = 2**31 - 1


def waits_too_long_fail_at_once() -> None:
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = WaitFunction._eval_body
    if getattr(original, "_localcloud_fix", False):
        return

    def _eval_body(self, env):
        wait_seconds = self._get_wait_seconds(env=env)
        if wait_seconds > MAX_WAIT_SECONDS:
            name = StatesErrorNameType.StatesRuntime
            raise FailureEventException(FailureEvent(
                env=env, error_name=StatesErrorName(typ=name), event_type=HistoryEventType.ExecutionFailed,
                event_details=EventDetails(executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=name.to_name(), cause="Wait state delay is too long."))))
        self._wait_interval(env=env, wait_seconds=wait_seconds)

    _eval_body._localcloud_fix = True
    _eval_body.__wrapped__ = original
    WaitFunction._eval_body = _eval_body
