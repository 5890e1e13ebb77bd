"""The SNS gap localcloud/sns/moto_gaps.py fixes, shown twice: present in the pinned moto without the fix, gone
with it. Each scenario runs in a subprocess, so the fix (a patch of moto's classes) cannot leak into the other.

When a moto upgrade closes the gap, the "without the fix" test fails: then delete the fix.
"""
import textwrap

from tests.support.scenarios import run_scenario

_FIFO_PUBLISH = textwrap.dedent('''
    import json, sys
    import boto3
    from moto import mock_aws
    from localcloud.sns.moto_gaps import fifo_publish_requires_a_group_as_aws

    if sys.argv[1] == "fixed":
        fifo_publish_requires_a_group_as_aws()
    with mock_aws():
        sns = boto3.client("sns", "us-east-1")
        fifo = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true",
                                                           "ContentBasedDeduplication": "true"})["TopicArn"]
        try:
            sns.publish(TopicArn=fifo, Message="m")
            refused = None
        except sns.exceptions.ClientError as exc:
            refused = [exc.response["Error"]["Code"], exc.response["Error"]["Message"]]
        grouped = "MessageId" in sns.publish(TopicArn=fifo, Message="m", MessageGroupId="g")
        print(json.dumps([refused, grouped]))
''')


def run_fifo_publish(fixed: bool) -> list:
    return run_scenario(_FIFO_PUBLISH, fixed=fixed)


def test_fifo_publish_moto_still_refuses_a_groupless_publish_as_missing_parameter():
    refused, _ = run_fifo_publish(fixed=False)
    assert refused[0] == "MissingParameter", "moto refuses it as AWS now: drop the fix"


def test_fifo_publish_fix_refuses_it_as_an_invalid_parameter_and_publishes_a_grouped_message():
    assert run_fifo_publish(fixed=True) == [
        ["InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"], True]
