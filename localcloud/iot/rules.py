"""AWS IoT topic rules, read from the templates' AWS::IoT::TopicRule resources and run against the local broker.

The subset of the IoT SQL this repo uses, implemented as AWS documents it, and everything else refused at start with
the rule's name (a rule that silently did something else would be worse than no rule):

    SELECT <items> FROM '<topic filter>'          items: *  |  topic(n) [AS name]  |  <field> [AS name]
    ... WHERE <field> = '<string>' | <number>     (one equality, optionally joined by AND)

Actions: Lambda (invoked asynchronously, as IoT does). Disabled rules are skipped.
"""
import json
import re
from dataclasses import dataclass, field
from typing import Any

_SQL = re.compile(r"^\s*SELECT\s+(?P<items>.+?)\s+FROM\s+'(?P<filter>[^']+)'(?:\s+WHERE\s+(?P<where>.+?))?\s*;?\s*$",
                  re.IGNORECASE | re.DOTALL)
_TOPIC_ITEM = re.compile(r"^topic\(\s*(?P<n>\d+)\s*\)(?:\s+AS\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]*))?$", re.IGNORECASE)
_FIELD_ITEM = re.compile(r"^(?P<field>[A-Za-z_][A-Za-z0-9_]*)(?:\s+AS\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]*))?$",
                         re.IGNORECASE)
_CONDITION = re.compile(r"^(?P<field>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:'(?P<text>[^']*)'|(?P<number>-?\d+(?:\.\d+)?))$")


class UnsupportedRule(ValueError):
    pass


@dataclass(frozen=True)
class TopicRule:
    name: str
    topic_filter: str
    items: tuple[tuple[str, Any, str], ...]         # ("*", None, ""), ("topic", n, alias), ("field", name, alias)
    conditions: tuple[tuple[str, Any], ...] = ()    # (field, expected value)
    function_names: tuple[str, ...] = field(default=())

    def matches(self, topic: str) -> bool:
        return topic_matches(self.topic_filter, topic)

    def event_for(self, topic: str, payload: bytes) -> dict | None:
        """The event the rule's actions receive, or None when the WHERE clause does not hold."""
        try:
            message = json.loads(payload or b"null")
        except json.JSONDecodeError:
            message = None
        if not isinstance(message, dict):
            # AWS IoT hands a non-JSON payload to SELECT * as base64 under "payload"... only for binary SQL; this
            # repo's messages are JSON objects, so anything else is not an event for these rules.
            return None
        for name, expected in self.conditions:
            if message.get(name) != expected:
                return None
        levels = topic.split("/")
        event: dict = {}
        for kind, arg, alias in self.items:
            if kind == "*":
                event.update(message)
            elif kind == "topic":
                event[alias or f"topic({arg})"] = levels[arg - 1] if 0 < arg <= len(levels) else None
            else:
                if arg in message:
                    event[alias or arg] = message[arg]
        return event


def topic_matches(topic_filter: str, topic: str) -> bool:
    filter_levels, topic_levels = topic_filter.split("/"), topic.split("/")
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(topic_levels):
            return False
        if level != "+" and level != topic_levels[index]:
            return False
    return len(filter_levels) == len(topic_levels)


def _split_items(items: str) -> list[str]:
    return [item.strip() for item in items.split(",") if item.strip()]


def parse_sql(rule_name: str, sql: str) -> tuple[str, tuple, tuple]:
    match = _SQL.match(sql)
    if not match:
        raise UnsupportedRule(f"IoT rule {rule_name}: the local cloud reads only SELECT ... FROM '<filter>' "
                              f"[WHERE field = value]; got {sql!r}")
    items = []
    for item in _split_items(match.group("items")):
        if item == "*":
            items.append(("*", None, ""))
        elif topic_item := _TOPIC_ITEM.match(item):
            items.append(("topic", int(topic_item.group("n")), topic_item.group("alias") or ""))
        elif field_item := _FIELD_ITEM.match(item):
            items.append(("field", field_item.group("field"), field_item.group("alias") or ""))
        else:
            raise UnsupportedRule(f"IoT rule {rule_name}: SELECT item {item!r} is not supported locally "
                                  "(supported: *, topic(n) [AS x], field [AS x])")
    conditions = []
    if match.group("where"):
        for condition in re.split(r"\s+AND\s+", match.group("where").strip(), flags=re.IGNORECASE):
            parsed = _CONDITION.match(condition.strip())
            if not parsed:
                raise UnsupportedRule(f"IoT rule {rule_name}: WHERE {condition!r} is not supported locally "
                                      "(supported: field = 'text' | number, joined by AND)")
            number = parsed.group("number")
            value = parsed.group("text") if number is None else (float(number) if "." in number else int(number))
            conditions.append((parsed.group("field"), value))
    return match.group("filter"), tuple(items), tuple(conditions)


def rules_of(stack) -> list[TopicRule]:
    """The enabled topic rules of a ServiceStack, with the names of the Lambda functions they invoke."""
    found = []
    for logical_id, resource in stack.of_type("AWS::IoT::TopicRule").items():
        props = stack.resolve(resource["Properties"])
        payload = props["TopicRulePayload"]
        if payload.get("RuleDisabled"):
            continue
        name = props.get("RuleName", logical_id)
        version = payload.get("AwsIotSqlVersion", "2015-10-08")
        if version not in ("2015-10-08", "2016-03-23"):
            raise UnsupportedRule(f"IoT rule {name}: SQL version {version} is not supported locally")
        functions = []
        for action in payload.get("Actions", []):
            if set(action) != {"Lambda"}:
                raise UnsupportedRule(f"IoT rule {name}: only Lambda actions run locally, not {sorted(action)}")
            arn = action["Lambda"]["FunctionArn"]
            functions.append(arn.split(":")[6] if arn.startswith("arn:") else arn)
        topic_filter, items, conditions = parse_sql(name, payload["Sql"])
        found.append(TopicRule(name, topic_filter, items, conditions, tuple(functions)))
    return found
