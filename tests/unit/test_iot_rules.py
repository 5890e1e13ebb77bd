"""localcloud.iot.rules: the IoT SQL subset the local cloud runs, and what it refuses."""
import json

import pytest

from localcloud.iot.rules import UnsupportedRule, parse_sql, topic_matches, TopicRule


def rule(sql: str) -> TopicRule:
    topic_filter, items, conditions = parse_sql("r", sql)
    return TopicRule("r", topic_filter, items, conditions, ("fn",))


@pytest.mark.parametrize("topic_filter,topic,expected", [
    ("tenants/+/results", "tenants/tenant1/results", True),
    ("tenants/+/results", "tenants/tenant1/jobs", False),
    ("tenants/+/results", "tenants/a/b/results", False),
    ("tenants/#", "tenants/a/b", True),
    ("tenants/+", "tenants", False),
])
def test_topic_filters_match_as_mqtt_defines_them(topic_filter, topic, expected):
    assert topic_matches(topic_filter, topic) is expected


def test_select_star_with_topic_level_gives_the_message_and_the_tenant():
    r = rule("SELECT *, topic(2) AS fromTenant FROM 'tenants/+/results'")

    event = r.event_for("tenants/tenant1/results", json.dumps({"jobId": "j", "fromTenant": "forged"}).encode())

    assert r.matches("tenants/tenant1/results")
    assert event == {"jobId": "j", "fromTenant": "tenant1"}


def test_where_equality_filters_messages():
    r = rule("SELECT jobId AS id FROM 'a/+' WHERE status = 'done' AND attempt = 2")

    assert r.event_for("a/b", b'{"jobId": "j", "status": "done", "attempt": 2}') == {"id": "j"}
    assert r.event_for("a/b", b'{"jobId": "j", "status": "running", "attempt": 2}') is None


def test_a_payload_that_is_not_a_json_object_is_no_event():
    assert rule("SELECT * FROM 'a/b'").event_for("a/b", b"not json") is None


@pytest.mark.parametrize("sql", [
    "SELECT upper(name) FROM 'a/b'",
    "SELECT * FROM 'a/b' WHERE temperature > 20",
    "SELECT * FROM a/b",
])
def test_what_the_local_cloud_cannot_run_is_refused_by_name(sql):
    with pytest.raises(UnsupportedRule, match="IoT rule r"):
        parse_sql("r", sql)
