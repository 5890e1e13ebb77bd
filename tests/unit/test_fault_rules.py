"""The local cloud's fault rules: what a rule matches, how many calls it fails, what a bad rule is told."""
import pytest

from localcloud.faults.rules import BadRule, FaultRule, FaultRules

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/waitflows-approval-local-approvals"


def rules_with(**rule) -> FaultRules:
    rules = FaultRules()
    rules.add(FaultRule.from_request({"service": "states", "error": "ThrottlingException", **rule}))
    return rules


def test_a_rule_fails_its_count_of_matching_calls_then_goes():
    rules = rules_with(operation="SendTaskSuccess", count=2)

    hits = [rules.match("states", "SendTaskSuccess", ("*",)) for _ in range(3)]

    assert [hit.hits if hit else None for hit in hits] == [1, 2, None]
    assert rules.list() == []


def test_a_rule_matches_its_service_operation_and_resource_only():
    rules = FaultRules()
    rules.add(FaultRule.from_request({"service": "dynamodb", "operation": "UpdateItem", "resource": "approvals",
                                      "error": "ProvisionedThroughputExceededException"}))

    assert rules.match("dynamodb", "UpdateItem", (TABLE,)) is not None
    assert rules.match("dynamodb", "GetItem", (TABLE,)) is None
    assert rules.match("dynamodb", "UpdateItem", ("arn:aws:dynamodb:us-east-1:123456789012:table/orders",)) is None
    assert rules.match("states", "UpdateItem", (TABLE,)) is None


def test_a_rule_without_a_count_stands_until_cleared():
    rules = rules_with()
    assert all(rules.match("states", "StartExecution", ("*",)) for _ in range(10))
    assert rules.clear() == 1 and rules.match("states", "StartExecution", ("*",)) is None


def test_clear_by_id_leaves_the_other_rules():
    rules = rules_with()
    second = rules.add(FaultRule.from_request({"service": "sqs", "latency_ms": 100}))

    assert rules.clear("fault-1") == 1
    assert [r.id for r in rules.list()] == [second.id]


@pytest.mark.parametrize("body, says", [
    ({"error": "ThrottlingException"}, "service"),
    ({"service": "states"}, "an error, a latency_ms, or both"),
    ({"service": "states", "error": "X", "count": 0}, "count must be at least 1"),
    ({"service": "states", "error": "X", "probability": 2}, "probability"),
    ({"service": "states", "error": "X", "colour": "red"}, "unknown fields: colour"),
    ({"service": "states", "error": "X", "status": 99}, "status"),
])
def test_a_bad_rule_is_refused_with_what_is_wrong(body, says):
    with pytest.raises(BadRule, match=says):
        FaultRule.from_request(body)


def test_numbers_given_as_text_are_taken_as_numbers_or_refused_at_once():
    rule = FaultRule.from_request({"service": "states", "error": "X", "count": "2", "status": "503"})
    assert (rule.count, rule.status) == (2, 503)
    with pytest.raises(BadRule, match="whole numbers"):
        FaultRule.from_request({"service": "states", "error": "X", "count": "two"})
