"""The local cloud's fault rules: what a rule matches, how many calls it fails, what a bad rule is told."""
import pytest

from localcloud.faults.rules import BadRule, FaultRule, FaultRules, topic_matches

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


# --- the other kinds: MQTT and Lambda faults, in the same model -------------------------------------------------
def kind_rules(**rule) -> FaultRules:
    rules = FaultRules()
    rules.add(FaultRule.from_request(rule))
    return rules


def test_a_rule_without_a_kind_is_an_aws_rule_as_before():
    rule = FaultRule.from_request({"service": "states", "error": "ThrottlingException", "count": "2"})
    assert rule.kind == "aws" and rule.count == 2


@pytest.mark.parametrize("body, named", [
    ({"kind": "chaos"}, "kind must be one of"),
    ({"kind": "mqtt-drop"}, "needs topic"),
    ({"kind": "mqtt-drop", "topic": "a/#/b"}, "not an MQTT topic filter"),
    ({"kind": "mqtt-drop", "topic": "a/b+"}, "not an MQTT topic filter"),
    ({"kind": "mqtt-delay", "topic": "a/b"}, "latency_ms"),
    ({"kind": "mqtt-disconnect"}, "needs client_id"),
    ({"kind": "mqtt-disconnect", "client_id": "t1", "topic": "a"}, "takes no topic"),
    ({"kind": "lambda-kill"}, "needs function"),
    ({"kind": "lambda-timeout", "function": "f", "error": "X"}, "takes no error"),
    ({"kind": "lambda-kill", "function": "f", "after_ms": "soon"}, "whole numbers"),
    ({"kind": "aws", "service": "states", "function": "f", "error": "X"}, "takes no function"),
    ({"service": "states"}, "needs an error, a latency_ms"),
])
def test_a_bad_rule_of_any_kind_is_refused_naming_what_is_wrong(body, named):
    with pytest.raises(BadRule, match=named):
        FaultRule.from_request(body)


@pytest.mark.parametrize("topic_filter, topic, matches", [
    ("tenants/+/results", "tenants/t1/results", True),
    ("tenants/+/results", "tenants/t1/progress", False),
    ("tenants/#", "tenants/t1/jobs", True),
    ("tenants/#", "tenants", True),
    ("tenants/t1", "tenants/t1/jobs", False),
    ("#", "$aws/things/t1/shadow", False),
])
def test_topics_match_as_mqtt_matches_them(topic_filter, topic, matches):
    assert topic_matches(topic_filter, topic) is matches


def test_an_mqtt_drop_hits_its_topic_and_client_only_and_is_spent_after_count():
    rules = kind_rules(kind="mqtt-drop", topic="tenants/+/results", client_id="t1", count=1)

    assert rules.take(lambda r: r.applies_to_message("tenants/t1/progress", "t1")) is None
    assert rules.take(lambda r: r.applies_to_message("tenants/t2/results", "t2")) is None
    assert rules.take(lambda r: r.applies_to_message("tenants/t1/results", "t1")).kind == "mqtt-drop"
    assert rules.take(lambda r: r.applies_to_message("tenants/t1/results", "t1")) is None


def test_rules_of_one_kind_never_hit_events_of_another():
    rules = kind_rules(kind="lambda-kill", function="reportResult")
    assert rules.match("lambda", "Invoke", ("arn:aws:lambda:us-east-1:1:function:reportResult",)) is None
    assert rules.take(lambda r: r.applies_to_client("reportResult")) is None
    hit = rules.take(lambda r: r.applies_to_invocation("waitflows-iot-callback-local-reportResult"))
    assert hit.kind == "lambda-kill" and hit.after_ms == 0


def test_a_disconnect_rule_without_count_cuts_every_connect_while_it_stands():
    rules = kind_rules(kind="mqtt-disconnect", client_id="tenant1")
    assert all(rules.take(lambda r: r.applies_to_client("tenant1")) for _ in range(3))
    assert rules.take(lambda r: r.applies_to_client("tenant2")) is None
    assert rules.clear() == 1
    assert rules.take(lambda r: r.applies_to_client("tenant1")) is None


def test_as_dict_keeps_the_fields_the_console_reads_and_adds_the_new_ones():
    shown = FaultRule.from_request({"kind": "lambda-timeout", "function": "consume", "after_ms": 100}).as_dict()
    assert {"service", "operation", "resource", "error", "status", "latency_ms", "count", "probability", "id",
            "hits"} <= set(shown)
    assert shown["kind"] == "lambda-timeout" and shown["function"] == "consume" and shown["after_ms"] == 100
