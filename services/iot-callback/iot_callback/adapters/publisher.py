"""Publishing to MQTT topics through the AWS IoT data plane (iot-data Publish), QoS 1."""
import json
import os
from functools import cached_property

import boto3

from lambda_shared import aws


class IotPublisher:
    def __init__(self, iot_data=None):
        self._given = iot_data

    @cached_property
    def _client(self):
        if self._given is not None:
            return self._given
        if os.environ.get("AWS_ENDPOINT_URL_IOT_DATA") or os.environ.get("AWS_ENDPOINT_URL"):
            return aws.client("iot-data")   # boto3 honours the endpoint variables (the local cloud)
        # On AWS the data plane is per account: ask once per container, and use the ATS endpoint.
        address = aws.client("iot").describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
        return boto3.client("iot-data", endpoint_url=f"https://{address}", config=aws.CLIENT_CONFIG)

    def publish(self, topic: str, message: dict) -> None:
        """QoS 1: a persistent session of an offline worker keeps it. Raises ClientError/BotoCoreError on failure."""
        self._client.publish(topic=topic, qos=1, payload=json.dumps(message).encode())
