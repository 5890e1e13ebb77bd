"""A definition with invalid JSONata, refused at CreateStateMachine as AWS refuses it.

The gap: moto's parser takes any text between `{%` and `%}` as a JSONata expression without reading it, so a
definition with a JSONata syntax error is created, and fails only when its state runs. AWS validates every JSONata
expression of a definition and refuses it (InvalidDefinition, SCHEMA_VALIDATION_FAILED, naming the field).
Fixed: CreateStateMachine/UpdateStateMachine compile each `{% %}` string of a JSONata state with jsonata-python.
"""
import json


def _invalid_expressions(node, path: str, jsonata: bool):
    """(field path, expression) of every `{% %}` string in a JSONata scope that does not compile."""
    import jsonata as jsonata_python

    if isinstance(node, dict):
        jsonata = node.get("QueryLanguage", "JSONata" if jsonata else "JSONPath") == "JSONata"
        for key, value in node.items():
            yield from _invalid_expressions(value, f"{path}/{key}", jsonata)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _invalid_expressions(value, f"{path}/{index}", jsonata)
    elif jsonata and isinstance(node, str) and node.startswith("{%") and node.endswith("%}"):
        try:
            jsonata_python.Jsonata(node[2:-2])
        except Exception:
            yield path, node


def refuse_invalid_jsonata() -> None:
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    class InvalidDefinition(AWSError):   # as the API names it (moto's parser's own refusals answer no code)
        TYPE = "InvalidDefinition"
        STATUS = 400

    original = StepFunctionsParserBackend._validate_definition
    if getattr(original, "_localcloud_fix", False):
        return

    def _validate_definition(definition: str):
        original(definition=definition)
        try:
            document = json.loads(definition)
        except ValueError:
            return   # the parser accepted it: not JSON we can walk (moto takes YAML-ish forms too)
        for path, _ in _invalid_expressions(document, "", False):
            field = path.rsplit("/", 1)[-1]
            raise InvalidDefinition(message="Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
                                            f"The value for the field '{field}' must be a valid JSONata expression "
                                            f"at {path}'")

    _validate_definition._localcloud_fix = True
    StepFunctionsParserBackend._validate_definition = staticmethod(_validate_definition)
