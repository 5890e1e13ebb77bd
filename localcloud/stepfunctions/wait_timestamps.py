"""A JSONata Timestamp that is no ISO-8601 date-time, failed as AWS fails it.

The gap: moto fails a Wait whose JSONata `Timestamp` evaluates to an invalid date-time with States.Runtime ("The
Timestamp parameter does not reference..."), as for a JSONPath one. AWS fails it as an evaluation error:
States.QueryEvaluationError, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time
format string: <value>", with an EvaluationFailed event.
"""


def jsonata_timestamps_fail_as_evaluation_errors() -> None:
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.common.string.string_expression import StringJSONata
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = Timestamp._create_failure_event
    if getattr(original, "_localcloud_fix", False):
        return

    def _create_failure_event(self, env, timestamp_str):
        if type(self) is not Timestamp or not isinstance(self.string, StringJSONata):
            return original(self, env, timestamp_str)
        name = StatesErrorNameType.StatesQueryEvaluationError
        details = EventDetails(evaluationFailedEventDetails=EvaluationFailedEventDetails(
            error=name.to_name(), cause="The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                                        f"date-time format string: {timestamp_str}"))
        failure = FailureEvent(env=env, error_name=StatesErrorName(typ=name),
                               event_type=HistoryEventType.EvaluationFailed, event_details=details)
        # The Wait state records no failure event of its own: the evaluation's is the one AWS shows (added after the
        # failure took its "entered at the event id" from the history).
        env.event_manager.add_event(context=env.event_history_context,
                                    event_type=HistoryEventType.EvaluationFailed, event_details=details)
        return failure

    _create_failure_event._localcloud_fix = True
    _create_failure_event.__wrapped__ = original
    Timestamp._create_failure_event = _create_failure_event
