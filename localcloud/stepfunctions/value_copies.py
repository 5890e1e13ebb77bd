"""State data copied as the JSON it is, not with the general-purpose copy.deepcopy.

The gap (speed): moto's engine copies a state's input every time it reads it ($states input, `.$` paths, ResultPath)
and every history event's details, with copy.deepcopy: a memo of every object and a dispatch per value, a few
thousand calls per execution of ten Pass states, the largest CPU cost of an execution after parsing. Fixed: in those
modules, dicts and lists are rebuilt and immutable leaves (strings, numbers, booleans, null, datetimes, enum
members) shared, which is what deepcopy makes of JSON data; any other value still goes to copy.deepcopy.
"""
import copy
import datetime
import enum
import types

_SHARED = (str, int, float, bool, type(None), datetime.datetime)


def copy_value(value):
    kind = type(value)
    if kind is dict:
        return {key: copy_value(item) for key, item in value.items()}
    if kind is list:
        return [copy_value(item) for item in value]
    if kind in _SHARED or isinstance(value, enum.Enum):
        return value
    return copy.deepcopy(value)


# What the patched modules see as `copy`: they call only copy.deepcopy (a test checks it).
_COPY = types.SimpleNamespace(deepcopy=lambda value, memo=None: copy_value(value), _localcloud_fix=True)


def copy_state_data_as_json() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.eval import states
    from moto.stepfunctions.parser.asl.eval.event import event_manager

    for module in (states, result_path, string_expression, event_manager):
        module.copy = _COPY
