"""localcloud/iam/policy.py against AWS's documented policy evaluation logic and condition operators."""
import pytest

from localcloud.iam.policy import Effect, UnsupportedCondition, arn_like, evaluate

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
OTHER_TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/other"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_nothing_allows_by_default_implicit_deny():
    assert evaluate([], "dynamodb:PutItem", [TABLE]).effect is Effect.IMPLICIT_DENY


def test_an_allow_on_the_resource_allows():
    assert evaluate([policy(allow("dynamodb:PutItem", TABLE))], "dynamodb:PutItem", [TABLE]).allowed


def test_an_allow_on_another_table_does_not():
    assert not evaluate([policy(allow("dynamodb:PutItem", OTHER_TABLE))], "dynamodb:PutItem", [TABLE]).allowed


def test_an_explicit_deny_wins_over_any_allow_in_any_policy():
    decision = evaluate([policy(allow("dynamodb:*")), policy(deny("dynamodb:PutItem", TABLE))],
                        "dynamodb:PutItem", [TABLE])
    assert decision.effect is Effect.EXPLICIT_DENY


def test_actions_match_case_insensitively_with_wildcards():
    assert evaluate([policy(allow("DynamoDB:put*"))], "dynamodb:PutItem", [TABLE]).allowed
    assert evaluate([policy(allow("dynamodb:?etItem"))], "dynamodb:GetItem", [TABLE]).allowed
    assert not evaluate([policy(allow("dynamodb:Get*"))], "dynamodb:PutItem", [TABLE]).allowed


def test_a_list_of_actions_or_resources_is_any_of_them():
    statement = allow(["sqs:SendMessage", "dynamodb:PutItem"], [OTHER_TABLE, TABLE])
    assert evaluate([policy(statement)], "dynamodb:PutItem", [TABLE]).allowed


def test_resources_match_case_sensitively():
    assert not evaluate([policy(allow("dynamodb:PutItem", TABLE.upper()))], "dynamodb:PutItem", [TABLE]).allowed


def test_a_wildcard_matches_within_an_arn_segment_not_across_them():
    assert arn_like("arn:aws:states:us-east-1:123456789012:execution:machine:*",
                    "arn:aws:states:us-east-1:123456789012:execution:machine:run-1")
    assert arn_like("arn:aws:lambda:*:*:function:*", "arn:aws:lambda:us-east-1:123456789012:function:f")
    assert not arn_like("arn:aws:dynamodb:*:*:table/orders", "arn:aws:dynamodb:us-east-1:1:table/orders/index/x")


def test_brackets_are_literal_characters_not_a_character_class():
    assert not evaluate([policy(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:[ab]"))], "sqs:SendMessage",
                        ["arn:aws:sqs:us-east-1:1:a"]).allowed


def test_not_action_allows_everything_but_the_named_actions():
    statement = {"Effect": "Allow", "NotAction": "ses:*", "Resource": "*"}
    assert evaluate([policy(statement)], "dynamodb:PutItem", [TABLE]).allowed
    assert not evaluate([policy(statement)], "ses:SendEmail", ["*"]).allowed


def test_not_resource_allows_everything_but_the_named_resources():
    statement = {"Effect": "Allow", "Action": "dynamodb:*", "NotResource": OTHER_TABLE}
    assert evaluate([policy(statement)], "dynamodb:PutItem", [TABLE]).allowed
    assert not evaluate([policy(statement)], "dynamodb:PutItem", [OTHER_TABLE]).allowed


def test_every_resource_of_a_request_must_be_allowed():
    decision = evaluate([policy(allow("dynamodb:BatchWriteItem", TABLE))], "dynamodb:BatchWriteItem",
                        [TABLE, OTHER_TABLE])
    assert not decision.allowed


def test_a_statement_as_an_object_and_a_policy_as_json_text_are_read():
    assert evaluate(['{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}'], "x:Y", ["*"]).allowed


# --- conditions ---------------------------------------------------------------------------------------------------
def test_a_condition_that_fails_makes_a_deny_not_apply():
    # moto 5.2.5 denies here; AWS: the Deny does not apply, so the Allow stands.
    statements = [allow("dynamodb:*"), deny("dynamodb:*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})]
    assert evaluate([policy(*statements)], "dynamodb:PutItem", [TABLE], {"aws:SourceVpc": "vpc-2"}).allowed


def test_a_key_missing_from_the_context_fails_a_positive_condition_and_passes_a_negated_one():
    positive = allow("s3:*", Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}})
    negated = allow("s3:*", Condition={"StringNotEquals": {"aws:PrincipalTag/team": "a"}})
    assert not evaluate([policy(positive)], "s3:GetObject", ["*"], {}).allowed
    assert evaluate([policy(negated)], "s3:GetObject", ["*"], {}).allowed


def test_if_exists_passes_when_the_key_is_missing_and_checks_it_when_present():
    statement = allow("s3:*", Condition={"StringEqualsIfExists": {"aws:PrincipalTag/team": "a"}})
    assert evaluate([policy(statement)], "s3:GetObject", ["*"], {}).allowed
    assert not evaluate([policy(statement)], "s3:GetObject", ["*"], {"aws:PrincipalTag/team": "b"}).allowed


def test_values_of_one_key_are_ored_keys_and_operators_anded():
    statement = allow("s3:*", Condition={"StringEquals": {"k1": ["a", "b"], "k2": "c"}, "Bool": {"k3": "true"}})
    assert evaluate([policy(statement)], "s3:X", ["*"], {"k1": "b", "k2": "c", "k3": True}).allowed
    assert not evaluate([policy(statement)], "s3:X", ["*"], {"k1": "b", "k2": "c", "k3": False}).allowed
    assert not evaluate([policy(statement)], "s3:X", ["*"], {"k1": "z", "k2": "c", "k3": True}).allowed


def test_a_negated_operator_with_several_values_is_a_nor():
    statement = allow("s3:*", Condition={"StringNotEquals": {"k": ["a", "b"]}})
    assert evaluate([policy(statement)], "s3:X", ["*"], {"k": "c"}).allowed
    assert not evaluate([policy(statement)], "s3:X", ["*"], {"k": "b"}).allowed


def test_condition_keys_are_case_insensitive_values_are_not():
    statement = allow("s3:*", Condition={"StringEquals": {"AWS:SourceAccount": "123"}})
    assert evaluate([policy(statement)], "s3:X", ["*"], {"aws:sourceaccount": "123"}).allowed
    assert not evaluate([policy(statement)], "s3:X", ["*"],
                        {"aws:SourceAccount": "123", **{}} | {"aws:sourceaccount": "124"}).allowed


@pytest.mark.parametrize("operator, expected, actual, holds", [
    ("StringLike", "tenant-*", "tenant-7", True),
    ("StringNotLike", "tenant-*", "tenant-7", False),
    ("StringEqualsIgnoreCase", "ABC", "abc", True),
    ("NumericLessThan", "10", 9, True),
    ("NumericGreaterThanEquals", "10", 9, False),
    ("DateLessThan", "2030-01-01T00:00:00Z", "2029-12-31T23:59:59Z", True),
    ("IpAddress", "10.0.0.0/8", "10.1.2.3", True),
    ("NotIpAddress", "10.0.0.0/8", "10.1.2.3", False),
    ("ArnLike", "arn:aws:iot:*:*:rule/waitflows_*", "arn:aws:iot:us-east-1:1:rule/waitflows_results", True),
    ("ArnEquals", "arn:aws:iot:us-east-1:1:rule/a", "arn:aws:iot:us-east-1:1:rule/b", False),
    ("Bool", "true", "true", True),
])
def test_condition_operators(operator, expected, actual, holds):
    statement = allow("x:*", Condition={operator: {"k": expected}})
    assert evaluate([policy(statement)], "x:Y", ["*"], {"k": actual}).allowed is holds


def test_null_tests_whether_the_key_is_present():
    absent = allow("x:*", Condition={"Null": {"k": "true"}})
    assert evaluate([policy(absent)], "x:Y", ["*"], {}).allowed
    assert not evaluate([policy(absent)], "x:Y", ["*"], {"k": "v"}).allowed


def test_for_all_values_and_for_any_value_compare_sets():
    every = allow("x:*", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}})
    some = allow("x:*", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}})
    assert evaluate([policy(every)], "x:Y", ["*"], {"aws:TagKeys": ["a"]}).allowed
    assert not evaluate([policy(every)], "x:Y", ["*"], {"aws:TagKeys": ["a", "c"]}).allowed
    assert evaluate([policy(every)], "x:Y", ["*"], {}).allowed                     # vacuously true
    assert evaluate([policy(some)], "x:Y", ["*"], {"aws:TagKeys": ["c", "b"]}).allowed
    assert not evaluate([policy(some)], "x:Y", ["*"], {}).allowed


def test_an_operator_the_local_cloud_cannot_evaluate_is_an_error_not_ignored():
    with pytest.raises(UnsupportedCondition):
        evaluate([policy(allow("x:*", Condition={"BinaryEquals": {"k": "AA=="}}))], "x:Y", ["*"], {"k": "x"})


# --- policy variables -----------------------------------------------------------------------------------------------
def test_policy_variables_are_filled_from_the_context():
    statement = allow("iot:Subscribe", "arn:aws:iot:us-east-1:1:topicfilter/tenants/${iot:Connection.Thing.ThingName}/jobs")
    context = {"iot:Connection.Thing.ThingName": "tenant1"}
    assert evaluate([policy(statement)], "iot:Subscribe", ["arn:aws:iot:us-east-1:1:topicfilter/tenants/tenant1/jobs"],
                    context).allowed
    assert not evaluate([policy(statement)], "iot:Subscribe",
                        ["arn:aws:iot:us-east-1:1:topicfilter/tenants/tenant2/jobs"], context).allowed


def test_a_resource_with_a_variable_the_context_lacks_does_not_match():
    statement = allow("iot:Connect", "arn:aws:iot:us-east-1:1:client/${iot:Connection.Thing.ThingName}")
    assert not evaluate([policy(statement)], "iot:Connect", ["arn:aws:iot:us-east-1:1:client/"], {}).allowed


def test_literal_wildcards_in_variables_are_not_wildcards():
    statement = allow("s3:GetObject", "arn:aws:s3:::bucket/${*}")
    assert evaluate([policy(statement)], "s3:GetObject", ["arn:aws:s3:::bucket/*"]).allowed
    assert not evaluate([policy(statement)], "s3:GetObject", ["arn:aws:s3:::bucket/file"]).allowed
