"""An aws-sdk:s3 task's errors named as AWS names them: `S3.NoSuchBucketException`, with an Extended Request ID.

The gap: AWS names an aws-sdk integration's error after the service's SDK name and the error code
(`S3.NoSuchBucketException`, cause "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID:
..., Extended Request ID: ...)"). moto's engine maps only DynamoDB and Step Functions to their SDK names
(_SERVICE_ERROR_NAMES) and uses the resource's lower-case name for every other service (`s3.NoSuchBucketException`,
"Service: s3"); and as moto's S3 answers errors without the x-amz-id-2 header, the cause has no Extended Request ID.
Fixed: S3's SDK name joins the engine's table, and an S3 error without a host id is given one, as S3 always sends.
"""
import base64
import os

# The services whose SDK name is not the resource's: lower-cased resource name -> the name in error names/causes.
SDK_SERVICE_NAMES = {"s3": "S3"}


def aws_sdk_errors_name_the_service() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    original = aws_sdk.StateTaskServiceAwsSdk._from_error
    if getattr(original, "_localcloud_fix", False):
        return
    aws_sdk._SERVICE_ERROR_NAMES.update(SDK_SERVICE_NAMES)

    def _from_error(self, env, ex):
        response = getattr(ex, "response", None)
        if isinstance(ex, aws_sdk.ClientError) and self.resource.api_name.lower() == "s3" and response:
            metadata = response.setdefault("ResponseMetadata", {})
            metadata.setdefault("HostId", base64.b64encode(os.urandom(57)).decode())
        return original(self, env, ex)

    _from_error._localcloud_fix = True
    _from_error.__wrapped__ = original
    aws_sdk.StateTaskServiceAwsSdk._from_error = _from_error
