"""The rds-snapshot poll loops as serverless.yml packages them: one JSONata definition, two poll policies.

bench/transitions.py compares the growing wait with the fixed one; the comparison is fair only while the two
machines differ by nothing but the policy CreateSnapshot hands the status Lambda.
"""
import json

import pytest


@pytest.fixture
def pollers(service_resources) -> dict[str, dict]:
    stack = service_resources("rds-snapshot").stack
    return {key: json.loads(stack.state_machine_definition(key)) for key in ("SnapshotPoller", "SnapshotFixedPoller")}


def policy(definition: dict) -> dict:
    return definition["States"]["CreateSnapshot"]["Arguments"]["Payload"]["policy"]


def test_given_both_poll_loops_then_the_fixed_one_is_the_growing_one_with_its_own_policy(pollers):
    growing, fixed = pollers["SnapshotPoller"], pollers["SnapshotFixedPoller"]

    assert (policy(growing)["growth"], policy(fixed)["growth"]) == (2, 1)
    assert policy(fixed)["firstWaitSeconds"] == policy(fixed)["capSeconds"]
    for definition in (growing, fixed):
        del definition["Comment"], definition["States"]["CreateSnapshot"]["Arguments"]["Payload"]["policy"]
    assert growing == fixed


def test_given_the_poll_loop_then_every_state_is_jsonata_and_none_keeps_a_jsonpath_field(pollers):
    definition = pollers["SnapshotPoller"]
    jsonpath_fields = {"InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "SecondsPath",
                       "ErrorPath", "CausePath", "Variable"}

    assert definition["QueryLanguage"] == "JSONata"
    text = json.dumps(definition["States"])
    assert not [field for field in jsonpath_fields if f'"{field}"' in text]
    assert ".$" not in text and "$$." not in text
