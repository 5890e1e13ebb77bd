"""A JSONata expression that fails its result check names its field, and records one EvaluationFailed event.

The gap: when a JSONata expression returns nothing, or a value of no JSON type (a function), AWS fails with
States.QueryEvaluationError, "The JSONata expression '$x' specified for the field 'Arguments/FunctionName' returned
nothing (undefined)." (or "... returned an unsupported result type."): the field is the path from the state's
field (Arguments, Output, Items) through the JSONata template's keys, and the history holds one EvaluationFailed
event. moto's check (asl/jsonata/validations.py) names no field, takes a function (null once through JSON) for a
value, and records its EvaluationFailed event even inside a Task/Map/Parallel, whose own failure handling records
the same event again. Fixed: those components keep the path of field names on the environment while they
evaluate, and the check is replaced by one that names it, tells a function from null, and leaves the event to
the state's failure handling where the state has one (the frame a Task/Map/Parallel runs in).
"""

_SUPPORTED_TYPES = frozenset({"null", "number", "string", "boolean", "array", "object"})
_PATH = "_localcloud_jsonata_field_path"
_RECORDS_FAILURES = "_localcloud_records_failures"


def _keeping_field(cls, name_of) -> None:
    original = cls.eval

    def eval(self, env):
        path = env.__dict__.setdefault(_PATH, [])
        path.append(name_of(self))
        try:
            original(self, env)
        finally:
            path.pop()

    eval.__wrapped__ = original
    cls.eval = eval


def jsonata_errors_name_the_field() -> None:
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.common.jsonata.jsonata_template_binding import (
        JSONataTemplateBinding,
    )
    from moto.stepfunctions.parser.asl.component.common.outputdecl import Output
    from moto.stepfunctions.parser.asl.component.common.parargs import Arguments
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.items.items import ItemsJSONata
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.jsonata.jsonata import eval_jsonata_expression

    if getattr(string_expression.validate_jsonata_expression_output, "_localcloud_fix", False):
        return

    def validate_jsonata_expression_output(env, expression, rich_jsonata_expression, jsonata_result):
        if jsonata_result is not None and not isinstance(jsonata_result, str):
            return
        if jsonata_result is None and not eval_jsonata_expression(f"$exists({rich_jsonata_expression})"):
            problem = "returned nothing (undefined)."
        elif eval_jsonata_expression(f"$type({rich_jsonata_expression})") not in _SUPPORTED_TYPES:
            problem = "returned an unsupported result type."
        else:
            return
        path = "/".join(env.__dict__.get(_PATH, ()))
        field = f" specified for the field '{path}'" if path else ""
        name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
        details = EventDetails(evaluationFailedEventDetails=EvaluationFailedEventDetails(
            error=name.error_name, cause=f"The JSONata expression '{expression}'{field} {problem}"))
        # Built before the event is recorded: its cause says "entered at the event id #N" from the history.
        failure = FailureEvent(env=env, error_name=name, event_type=HistoryEventType.EvaluationFailed,
                               event_details=details)
        if not env.__dict__.get(_RECORDS_FAILURES):   # a Pass/Choice/Task Output: no handler records it
            env.event_manager.add_event(context=env.event_history_context,
                                        event_type=HistoryEventType.EvaluationFailed, event_details=details)
        raise FailureEventException(failure_event=failure)

    validate_jsonata_expression_output._localcloud_fix = True
    validate_jsonata_expression_output.__wrapped__ = string_expression.validate_jsonata_expression_output
    string_expression.validate_jsonata_expression_output = validate_jsonata_expression_output

    # A Task/Map/Parallel evaluates in the frame its _evaluate_with_timeout opens; its _eval_state records failures.
    run = ExecutionState._evaluate_with_timeout

    def _evaluate_with_timeout(self, env):
        opened = env.open_frame

        def open_frame(*args, **kwargs):
            frame = opened(*args, **kwargs)
            frame.__dict__[_RECORDS_FAILURES] = True
            return frame

        env.open_frame = open_frame
        try:
            return run(self, env)
        finally:
            del env.open_frame

    _evaluate_with_timeout.__wrapped__ = run
    ExecutionState._evaluate_with_timeout = _evaluate_with_timeout

    _keeping_field(Arguments, lambda _: "Arguments")
    _keeping_field(Output, lambda _: "Output")
    _keeping_field(ItemsJSONata, lambda _: "Items")
    _keeping_field(JSONataTemplateBinding, lambda binding: binding.identifier)
