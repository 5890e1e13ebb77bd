"""IAM's policy language and evaluation logic, as AWS documents it, for identity-based policies of one account.

Written here rather than taken from moto: moto 5.2.5's IAMPolicyStatement (moto/iam/access_control.py) only knows
StringEquals, denies when a condition fails (a failed condition makes a statement not apply), has no NotResource,
no `?` wildcard and no policy variables, and compiles patterns as regular expressions without escaping them.

Evaluation (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny in any statement that applies wins; otherwise any Allow that applies allows; otherwise the
request is implicitly denied. A statement applies when its Action (or NotAction), its Resource (or NotResource)
and every condition of its Condition block match the request.

- Actions: `service:Action`, case-insensitive, with `*` and `?` wildcards.
- Resources: ARNs compared segment by segment (partition, service, region, account, then the resource part),
  case-sensitive, `*` and `?` matching within a segment; `*` alone matches any resource.
- Policy variables `${aws:username}`, `${iot:ClientId}`... are replaced from the request context in Resource
  and condition values; `${*}`, `${?}` and `${$}` stand for the literal characters. A statement whose Resource
  names a variable the context lacks does not apply.
- Conditions (reference_policies_elements_condition_operators): operators are ANDed, keys of an operator are
  ANDed, the values of a key are ORed (NORed for a negated operator). A key missing from the context makes a
  condition false, but true for a negated operator (StringNotEquals, ArnNotLike...); `...IfExists` is true when
  the key is missing; `Null` tests for the key's presence. `ForAnyValue:` and `ForAllValues:` compare sets.
"""
from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Iterable, Mapping

Context = Mapping[str, Any]   # condition key (case-insensitive) -> str | bool | int | list of those


class Effect(Enum):
    ALLOW = "allowed"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Decision:
    effect: Effect
    statement: dict | None = None     # the statement that decided, if any

    @property
    def allowed(self) -> bool:
        return self.effect is Effect.ALLOW


class PolicyError(ValueError):
    """A policy document the local cloud cannot read (AWS's MalformedPolicyDocument)."""


def parse(document: str | dict) -> dict:
    policy = json.loads(document) if isinstance(document, str) else document
    if not isinstance(policy, dict) or "Statement" not in policy:
        raise PolicyError("a policy document needs a Statement")
    return policy


def statements(policy: dict) -> list[dict]:
    found = policy["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def evaluate(policies: Iterable[str | dict], action: str, resources: list[str], context: Context | None = None
             ) -> Decision:
    """The decision for `action` on every one of `resources` (all must be allowed, as for a request that touches
    several resources); the first resource that is not allowed decides."""
    parsed = [parse(policy) for policy in policies]
    context = _lower_keys(context or {})
    for resource in resources or ["*"]:
        decision = _evaluate_one(parsed, action, resource, context)
        if not decision.allowed:
            return decision
    return decision


def _evaluate_one(policies: list[dict], action: str, resource: str, context: dict) -> Decision:
    allowing = None
    for policy in policies:
        for statement in statements(policy):
            if not _applies(statement, action, resource, context):
                continue
            if statement.get("Effect") == "Deny":
                return Decision(Effect.EXPLICIT_DENY, statement)
            if statement.get("Effect") == "Allow" and allowing is None:
                allowing = statement
    return Decision(Effect.ALLOW, allowing) if allowing else Decision(Effect.IMPLICIT_DENY)


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _applies(statement: dict, action: str, resource: str, context: dict) -> bool:
    if "Action" in statement:
        if not any(action_matches(pattern, action) for pattern in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(action_matches(pattern, action) for pattern in _as_list(statement["NotAction"])):
            return False
    else:
        return False
    if "Resource" in statement:
        if not any(resource_matches(_substitute(p, context), resource) for p in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(resource_matches(_substitute(p, context), resource) for p in _as_list(statement["NotResource"])):
            return False
    return conditions_hold(statement.get("Condition") or {}, context)


# --- matching -------------------------------------------------------------------------------------------------------
# ${*} and ${?} stand for literal characters: kept as these placeholders until a pattern is matched.
_LITERAL_STAR, _LITERAL_QUESTION = "\x00", "\x01"


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    # fnmatch knows * and ?, but also [...]: IAM does not, so brackets are escaped first.
    pattern = re.sub(r"([\[\]])", r"[\1]", pattern)
    pattern = pattern.replace(_LITERAL_STAR, "[*]").replace(_LITERAL_QUESTION, "[?]")
    return fnmatch.fnmatchcase(value, pattern)


def _literal(text: str) -> str:
    return text.replace(_LITERAL_STAR, "*").replace(_LITERAL_QUESTION, "?")


def action_matches(pattern: str, action: str) -> bool:
    return _wildcard(pattern, action, ignore_case=True)


def resource_matches(pattern: str | None, resource: str) -> bool:
    if pattern is None:        # a policy variable the context cannot fill
        return False
    if pattern == "*":
        return True
    return arn_like(pattern, resource)


def arn_like(pattern: str, arn: str) -> bool:
    """ArnLike: the six colon-separated parts compared one by one, wildcards within each."""
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return _wildcard(pattern, arn)
    return all(_wildcard(p, a) for p, a in zip(pattern_parts, arn_parts))


_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_LITERALS = {"*": _LITERAL_STAR, "?": _LITERAL_QUESTION, "$": "$"}


def _substitute(text: Any, context: dict) -> str | None:
    if not isinstance(text, str) or "${" not in text:
        return text
    missing = False

    def replace(match: re.Match) -> str:
        nonlocal missing
        name = match.group(1)
        if name in _LITERALS:
            return _LITERALS[name]
        value = context.get(name.lower())
        if value is None or isinstance(value, list):
            missing = True
            return ""
        return _text(value)

    result = _VARIABLE.sub(replace, text)
    return None if missing else result


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lower_keys(context: Context) -> dict:
    return {key.lower(): value for key, value in context.items()}


# --- conditions -----------------------------------------------------------------------------------------------------
def _string_equals(expected: str, actual: Any) -> bool:
    return _text(actual) == _literal(expected)


def _string_equals_ignore_case(expected: str, actual: Any) -> bool:
    return _text(actual).lower() == _literal(expected).lower()


def _string_like(expected: str, actual: Any) -> bool:
    return _wildcard(expected, _text(actual))


def _number(value: Any) -> float:
    return float(value)


def _date(value: Any) -> datetime:
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(float(value), timezone.utc)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _bool(expected: str, actual: Any) -> bool:
    return _text(actual).lower() == str(expected).lower()


def _ip_in(expected: str, actual: Any) -> bool:
    return ipaddress.ip_address(_text(actual)) in ipaddress.ip_network(expected, strict=False)


def _arn_equals(expected: str, actual: Any) -> bool:
    return _text(actual) == _literal(expected)


def _arn_like(expected: str, actual: Any) -> bool:
    return arn_like(expected, _text(actual))


def _compare(convert, test):
    def compare(expected: Any, actual: Any) -> bool:
        try:
            return test(convert(actual), convert(expected))
        except (TypeError, ValueError):
            return False
    return compare


# operator -> (value test, negated)
_OPERATORS = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "NumericEquals": (_compare(_number, lambda a, e: a == e), False),
    "NumericNotEquals": (_compare(_number, lambda a, e: a == e), True),
    "NumericLessThan": (_compare(_number, lambda a, e: a < e), False),
    "NumericLessThanEquals": (_compare(_number, lambda a, e: a <= e), False),
    "NumericGreaterThan": (_compare(_number, lambda a, e: a > e), False),
    "NumericGreaterThanEquals": (_compare(_number, lambda a, e: a >= e), False),
    "DateEquals": (_compare(_date, lambda a, e: a == e), False),
    "DateNotEquals": (_compare(_date, lambda a, e: a == e), True),
    "DateLessThan": (_compare(_date, lambda a, e: a < e), False),
    "DateLessThanEquals": (_compare(_date, lambda a, e: a <= e), False),
    "DateGreaterThan": (_compare(_date, lambda a, e: a > e), False),
    "DateGreaterThanEquals": (_compare(_date, lambda a, e: a >= e), False),
    "Bool": (_bool, False),
    "IpAddress": (_ip_in, False),
    "NotIpAddress": (_ip_in, True),
    "ArnEquals": (_arn_equals, False),
    "ArnNotEquals": (_arn_equals, True),
    "ArnLike": (_arn_like, False),
    "ArnNotLike": (_arn_like, True),
}


class UnsupportedCondition(PolicyError):
    pass


def conditions_hold(block: dict, context: dict) -> bool:
    return all(_operator_holds(operator, keys, context) for operator, keys in block.items())


def _operator_holds(operator: str, keys: dict, context: dict) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name[:-len("IfExists")] if if_exists else name
    if base == "Null":
        return all((context.get(key.lower()) is None) == _bool(str(_as_list(expected)[0]), True)
                   for key, expected in keys.items())
    if base not in _OPERATORS:
        # Never ignored: a condition we cannot evaluate would make the local cloud kinder or harsher than AWS.
        raise UnsupportedCondition(f"condition operator {operator!r} is not evaluated by the local cloud")
    test, negated = _OPERATORS[base]
    return all(_key_holds(test, negated, qualifier, if_exists, key, expected, context)
               for key, expected in keys.items())


def _key_holds(test, negated: bool, qualifier: str, if_exists: bool, key: str, expected: Any, context: dict) -> bool:
    actual = context.get(key.lower())
    values = [_substitute(v, context) if isinstance(v, str) else _text(v) for v in _as_list(expected)]
    values = [v for v in values if v is not None]
    def holds_for(value: Any) -> bool:     # one context value against the policy's values (OR, or NOR)
        matched = any(test(v, value) for v in values)
        return not matched if negated else matched

    if qualifier in ("ForAllValues", "ForAnyValue"):
        actual_values = [] if actual is None else _as_list(actual)
        if qualifier == "ForAllValues":
            return all(holds_for(a) for a in actual_values)     # an empty or missing key: true
        return any(holds_for(a) for a in actual_values)         # an empty or missing key: false
    if actual is None:
        return True if (if_exists or negated) else False
    actual_values = _as_list(actual)
    matched = any(test(v, a) for v in values for a in actual_values)
    return not matched if negated else matched
