"""The speed gaps localcloud/stepfunctions/ fixes, shown twice: present in the pinned moto without the fix, gone with it.

Speed itself is measured by `make bench`, never asserted here: these tests count the work moto repeats (parses of a
definition, JSONPath parsers built) and show that the fixes change nothing an execution answers. When a moto upgrade
closes a gap, the "moto still" test fails and names it: then delete that fix.
"""
import functools
import textwrap

from tests.support.scenarios import run_scenario

# Two waves of executions of one machine, each wave started at once with different inputs; counts the definition
# parses (ANTLR parsers built), JSONPath parsers built (PLY yacc runs) and copy.deepcopy calls during the second wave.
_WAVES_SCENARIO = textwrap.dedent('''
    import copy, json, sys, time
    import boto3
    import jsonpath_ng._ply.yacc
    from moto import mock_aws
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.parse import asl_parser
    from localcloud import stepfunctions

    counts = {"parses": 0, "path_parsers": 0, "deep_copies": 0}
    deepcopy = copy.deepcopy

    def counted_deepcopy(value, memo=None, *args):
        counts["deep_copies"] += memo is None   # the calls made, not deepcopy's own recursion
        return deepcopy(value, memo, *args)

    copy.deepcopy = counted_deepcopy

    class CountedParser(asl_parser.ASLParser):
        def __init__(self, *args, **kwargs):
            counts["parses"] += 1
            super().__init__(*args, **kwargs)

    asl_parser.ASLParser = CountedParser
    build_path_parser = jsonpath_ng._ply.yacc.yacc

    def counted_yacc(*args, **kwargs):
        counts["path_parsers"] += 1
        return build_path_parser(*args, **kwargs)

    jsonpath_ng._ply.yacc.yacc = counted_yacc
    if sys.argv[1] == "fixed":
        stepfunctions.enable_engine()
    else:
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    definition = {"StartAt": "Shape", "States": {
        "Shape": {"Type": "Pass", "Parameters": {"who.$": "$.who", "items.$": "$.items"}, "ResultPath": "$.shaped",
                  "Next": "Big?"},
        "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.shaped.who", "StringEquals": "big",
                                                 "Next": "Each"}], "Default": "Small"},
        "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "Next": "Each"},
        "Each": {"Type": "Map", "ItemsPath": "$.shaped.items", "ItemSelector": {"item.$": "$$.Map.Item.Value",
                                                                                "who.$": "$.who"},
                 "ItemProcessor": {"StartAt": "Tag", "States": {"Tag": {
                     "Type": "Pass", "Parameters": {"tag.$": "States.Format('{}-{}', $.who, $.item)"},
                     "OutputPath": "$.tag", "End": True}}},
                 "ResultPath": "$.tags", "OutputPath": "$.tags", "End": True}}}
    inputs = [{"who": who, "items": list(range(n))} for who, n in
              (("big", 3), ("ann", 1), ("bob", 4), ("big", 0), ("cy", 2), ("dee", 5))]
    with mock_aws():
        sfn = boto3.client("stepfunctions", "us-east-1")
        machine = sfn.create_state_machine(name="m", roleArn="arn:aws:iam::123456789012:role/r",
                                           definition=json.dumps(definition))["stateMachineArn"]

        def wave(first):
            arns = [sfn.start_execution(stateMachineArn=machine, name=f"run-{i}",
                                        input=json.dumps(inputs[i]))["executionArn"] for i in (first, first + 1, first + 2)]
            outputs = []
            for arn in arns:
                while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
                    time.sleep(0.02)
                outputs.append([execution["status"], json.loads(execution.get("output", "null"))])
            return outputs

        first = wave(0)
        before = dict(counts)
        second = wave(3)
        print(json.dumps({"outputs": first + second,
                          "second_wave": {k: counts[k] - before[k] for k in counts}}))
''')

EXPECTED_OUTPUTS = [["SUCCEEDED", [f"{who}-{i}" for i in range(n)]]
                    for who, n in (("big", 3), ("ann", 1), ("bob", 4), ("big", 0), ("cy", 2), ("dee", 5))]


@functools.cache   # one run of each kind serves every test that reads it
def run_waves(fixed: bool) -> dict:
    return run_scenario(_WAVES_SCENARIO, fixed=fixed)


# definition_cache.py and jsonpath_cache.py ---------------------------------------------------------------------------


def test_definition_cache_moto_still_parses_the_definition_on_every_start_execution():
    # Given the engine without the fix, When a second wave of 3 executions of the same machine runs
    found = run_waves(fixed=False)
    # Then the definition was parsed again for each of them
    assert found["second_wave"]["parses"] >= 3
    assert found["outputs"] == EXPECTED_OUTPUTS


def test_jsonpath_cache_moto_still_builds_a_path_parser_per_evaluation():
    found = run_waves(fixed=False)
    # Each execution evaluates a dozen paths: a new PLY parser for each one
    assert found["second_wave"]["path_parsers"] >= 3 * 10


def test_definition_and_path_caches_fix_parse_nothing_twice_and_keep_executions_independent():
    # Given the engine with every fix, When the second wave of the same machine runs with other inputs
    found = run_waves(fixed=True)
    # Then nothing is parsed again, and each execution answers from its own input alone, as without the fixes
    assert (found["second_wave"]["parses"], found["second_wave"]["path_parsers"]) == (0, 0)
    assert found["outputs"] == EXPECTED_OUTPUTS


# value_copies.py -----------------------------------------------------------------------------------------------------


def test_value_copies_moto_still_deep_copies_every_read_of_state_data():
    # Three executions of a few states each: a hundred deepcopy calls and more
    assert run_waves(fixed=False)["second_wave"]["deep_copies"] >= 100


def test_value_copies_fix_leaves_deepcopy_to_what_is_not_json():
    raw, fixed = run_waves(fixed=False), run_waves(fixed=True)
    assert fixed["second_wave"]["deep_copies"] * 2 < raw["second_wave"]["deep_copies"]   # what is left: Map frames
    assert fixed["outputs"] == raw["outputs"] == EXPECTED_OUTPUTS


def test_value_copies_copy_shares_no_container_and_keeps_every_value():
    import datetime

    from localcloud.stepfunctions.value_copies import copy_value

    class Opaque:
        pass

    # Given JSON data with a datetime (the context object's) and an object that is not JSON
    original = {"a": [1, {"b": "c", "t": datetime.datetime(2026, 1, 1)}], "n": None, "o": Opaque(), "x": (1, [2])}
    copied = copy_value(original)
    # Then every container is new, every value equal, and what is not JSON went through copy.deepcopy
    assert copied["a"] == original["a"] and copied["n"] is None and copied["x"] == original["x"]
    assert copied["a"] is not original["a"] and copied["a"][1] is not original["a"][1]
    assert copied["o"] is not original["o"] and isinstance(copied["o"], Opaque)
    assert copied["x"][1] is not original["x"][1]


def test_value_copies_patched_modules_use_nothing_of_copy_but_deepcopy():
    import inspect
    import re

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.eval import states
    from moto.stepfunctions.parser.asl.eval.event import event_manager

    for module in (states, result_path, string_expression, event_manager):
        assert set(re.findall(r"\bcopy\.(\w+)", inspect.getsource(module))) == {"deepcopy"}, module.__name__
