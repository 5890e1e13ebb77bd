"""The order queue as its consumer sees it: a message whose callback failed for a passing reason comes back soon.

Without this, a message the consumer could not answer returns only after the queue's VisibilityTimeout, which must
be at least the consumer's timeout (Lambda refuses the mapping otherwise); on stage local that is longer than the
PrepareOrder task waits, so one throttled callback ended the order as OrderTimedOut.
"""
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import BotoCoreError, ClientError

from lambda_shared.aws import client
from lambda_shared.observability import logger


class OrderQueue:
    def __init__(self, sqs_client=None):
        self._client = sqs_client

    def retry_soon(self, message: SQSRecord, seconds: int) -> None:
        """Make the message visible again in `seconds`; if that fails, the VisibilityTimeout still brings it back."""
        try:
            (self._client or client("sqs")).change_message_visibility(
                QueueUrl=message.queue_url, ReceiptHandle=message.receipt_handle, VisibilityTimeout=seconds)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("could not bring the message back early", extra={"messageId": message.message_id,
                                                                           "error": str(exc)})
