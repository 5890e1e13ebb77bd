"""A Map over something that is not an array, explained as AWS explains it.

The gap: moto's Map fails with "Map state input must be an array but was: <class 'int'>" (the Python type); AWS
shows the value, as JSON: "... but was: 1", "... but was: {"foo":"bar"}". The message is built inline in
StateMap's evaluation with `type(input_items)`, so the fix gives that module a `type` that renders its argument
as AWS does (its only other use is in a message about an unknown iteration component, where it does no harm).
"""


def _as_aws_renders(value) -> str:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    return to_json_str(value, separators=(",", ":"))


def map_input_errors_show_the_value() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map import state_map

    if getattr(state_map, "type", None) is _as_aws_renders:
        return
    state_map.type = _as_aws_renders
