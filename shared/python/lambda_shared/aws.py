"""boto3 clients and resources, one per container and service.

boto3 honours AWS_ENDPOINT_URL by itself, so the same code talks to AWS or to the local cloud. Clients are created
lazily so importing a handler costs nothing, and reused so a warm container does not pay for them again.
"""
from functools import cache

import boto3
from botocore.config import Config

# Standard mode retries throttling and 5xx with exponential backoff and jitter (at most 1 s, then 2 s, before the
# second and third try), so a throttled call has given up after about 3 s: inside the 10 s of the shortest function,
# which then answers for itself (the approval page's 503, a raised CallbackNotDelivered) instead of timing out.
# Six tries (botocore's max_attempts counts retries) took longer than 10 s and the function died mid-way.
CLIENT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str):
    return boto3.client(service, config=CLIENT_CONFIG)


@cache
def resource(service: str):
    return boto3.resource(service, config=CLIENT_CONFIG)


class DynamoTable:
    """Base of the adapters over one DynamoDB table; tests may hand in their own dynamodb resource."""

    def __init__(self, table_name: str, dynamodb=None):
        self._table_name = table_name
        self._dynamodb = dynamodb

    @property
    def _table(self):
        return (self._dynamodb or resource("dynamodb")).Table(self._table_name)
