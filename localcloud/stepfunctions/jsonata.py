"""JSONata, evaluated as AWS evaluates it.

The gap: moto's engine parses `QueryLanguage: JSONata` (Arguments, Output, Assign, Condition, Items, $states...) and
composes each expression with its variables, but wires no evaluator (its upstream, LocalStack, runs JSONata in a
JVM): every JSONata expression fails the execution with `States.Runtime: TypeError('NoneType' object is not
callable)`. Fixed: the engine's one evaluation hook runs the composed expression in jsonata-python (pinned in
requirements/dev.txt), and answers its errors as the engine expects (a JSONataException, which the engine turns
into States.QueryEvaluationError).
"""

import math


def _as_json(value):
    """What the JVM bridge returned: the result through JSON (functions and other non-JSON values are null)."""
    if isinstance(value, float) and value.is_integer() and math.isfinite(value) and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return None


def evaluate_with_jsonata_python() -> None:
    import jsonata as jsonata_python
    from moto.stepfunctions.parser.asl.jsonata import jsonata as engine

    if getattr(engine._eval_jsonata, "_localcloud_fix", False):
        return

    def eval_jsonata(expression: str):
        try:
            result = jsonata_python.Jsonata(expression).evaluate(None)
        except jsonata_python.JException as ex:
            raise engine.JSONataException(getattr(ex, "error", None) or "UNKNOWN", str(ex)) from ex
        except Exception as ex:   # the library's own failures (e.g. a division by zero) are evaluation errors too
            raise engine.JSONataException("UNKNOWN", str(ex)) from ex
        return _as_json(result)

    eval_jsonata._localcloud_fix = True
    # eval_jsonata_expression() sets its evaluator only when none is set, then calls it.
    engine._eval_jsonata = eval_jsonata
