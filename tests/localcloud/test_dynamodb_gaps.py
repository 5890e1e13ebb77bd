"""The DynamoDB gap localcloud/dynamodb/moto_gaps.py fixes, shown twice: present in the pinned moto without the fix,
gone with it. Each scenario runs in a subprocess, so the fix (a patch of moto's classes) cannot leak into the other.

When a moto upgrade closes the gap, the "without the fix" test fails: then delete the fix.
"""
import textwrap

from tests.support.scenarios import run_scenario

_UPDATE_ITEM = textwrap.dedent('''
    import json, sys
    import boto3
    from moto import mock_aws
    from localcloud.dynamodb.moto_gaps import update_item_consumes_capacity_only_when_asked

    if sys.argv[1] == "fixed":
        update_item_consumes_capacity_only_when_asked()
    with mock_aws():
        ddb = boto3.client("dynamodb", "us-east-1")
        ddb.create_table(TableName="t", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        answers = [ddb.update_item(TableName="t", Key={"id": {"S": "1"}}, UpdateExpression="SET n = :n",
                                   ExpressionAttributeValues={":n": {"N": "1"}}, **asked)
                   for asked in ({}, {"ReturnConsumedCapacity": "TOTAL"})]
        print(json.dumps(["ConsumedCapacity" in answer for answer in answers]))
''')


def run_update_item(fixed: bool) -> list:
    return run_scenario(_UPDATE_ITEM, fixed=fixed)


def test_update_item_moto_still_answers_consumed_capacity_unasked():
    assert run_update_item(fixed=False)[0], "moto answers ConsumedCapacity only when asked now: drop the fix"


def test_update_item_fix_answers_consumed_capacity_only_when_asked():
    assert run_update_item(fixed=True) == [False, True]


_MISSING_MEMBER = textwrap.dedent('''
    import json, sys
    import boto3
    from botocore.config import Config
    from moto import mock_aws
    from localcloud.dynamodb.moto_gaps import requests_missing_a_required_member_are_refused

    if sys.argv[1] == "fixed":
        requests_missing_a_required_member_are_refused()
    with mock_aws():
        # As the Step Functions engine's clients (and AWS's Java SDK): required members are the service's to check.
        ddb = boto3.client("dynamodb", "us-east-1", config=Config(parameter_validation=False))
        try:
            ddb.put_item(TableName="t")
            answer = None
        except ddb.exceptions.ClientError as exc:
            answer = [exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"]["Code"],
                      exc.response["Error"]["Message"]]
        except Exception as exc:   # moto's handler itself failing (a 500 behind a server)
            answer = [type(exc).__name__]
        print(json.dumps(answer))
''')


def test_missing_member_moto_still_fails_a_put_item_without_item_as_a_server_error():
    assert run_scenario(_MISSING_MEMBER, fixed=False) == ["KeyError"], "moto refuses it as DynamoDB now: drop the fix"


def test_missing_member_fix_refuses_it_as_dynamodb_does():
    assert run_scenario(_MISSING_MEMBER, fixed=True) == [
        400, "ValidationException",
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"]
