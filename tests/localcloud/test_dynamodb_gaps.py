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
