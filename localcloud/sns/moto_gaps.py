"""Where the pinned moto's SNS falls short of AWS for this project, fixed next to the SNS it patches.

tests/localcloud/test_sns_gaps.py asserts that the gap still exists in plain moto, so a moto upgrade that closes it
tells us (that test fails and says so), and the fix can go.
"""
from moto.sns.exceptions import SNSInvalidParameter, SNSNotFoundError
from moto.sns.models import SNSBackend

_APPLIED = False


def fifo_publish_requires_a_group_as_aws() -> None:
    """The gap: a Publish to a FIFO topic without MessageGroupId is refused by moto 5.2.5 as MissingParameter ("The
    request must contain the parameter MessageGroupId."); AWS refuses it as InvalidParameter, "Invalid parameter:
    The MessageGroupId parameter is required for FIFO topics" (moto's PublishBatch already answers so). A state
    machine that catches `SNS.InvalidParameterException` (the sns:publish integration's error name) misses it.

    Fixed: Publish refuses it with AWS's code and message, before moto's own check.
    """
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    publish = SNSBackend.publish

    def publish_as_aws(self: SNSBackend, message, arn, *args, group_id=None, **kwargs):
        try:
            fifo = bool(arn) and self.get_topic(arn).fifo_topic
        except SNSNotFoundError:   # an endpoint, or no such topic: moto's own answer
            fifo = False
        if fifo and not group_id:
            raise SNSInvalidParameter("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
        return publish(self, message, arn, *args, group_id=group_id, **kwargs)

    publish_as_aws.__wrapped__ = publish
    SNSBackend.publish = publish_as_aws
