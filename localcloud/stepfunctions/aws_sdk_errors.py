"""An aws-sdk task's errors named as AWS names them: `<Service>.<Exception>`, S3's with an Extended Request ID.

The gap: AWS names an aws-sdk integration's error after the service's name in its Java SDK and the error
(`S3.NoSuchBucketException`, `SecretsManager.SecretsManagerException`; cause "The specified bucket does not exist
(Service: S3, Status Code: 404, Request ID: ..., Extended Request ID: ...)"). moto's engine maps only DynamoDB and
Step Functions to their SDK names (_SERVICE_ERROR_NAMES) and uses the resource's lower-case name for every other
service (`s3.NoSuchBucketException`, "Service: s3"); and as moto's S3 answers errors without the x-amz-id-2
header, the cause has no Extended Request ID.
Fixed: every service's SDK name is formed as the Java SDK forms it, from the API model's service id (each word,
and each run of capitals, capitalised: "Secrets Manager" -> SecretsManager, "DynamoDB" -> DynamoDb, "SFN" -> Sfn,
"S3" -> S3); an S3 error without a host id is given one, as S3 always sends.
"""
import base64
import os
import re
from functools import lru_cache

# A word of a service id: a run of capitals not starting a lower-case word, a capitalised word, or digits.
_SERVICE_ID_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def sdk_service_name(service_id: str) -> str:
    """The Java SDK's name of a service, from its API model's service id ("Secrets Manager" -> "SecretsManager")."""
    return "".join(word.capitalize() for word in _SERVICE_ID_WORD.findall(service_id))


@lru_cache(maxsize=None)
def _service_id(boto_service_name: str) -> str | None:
    import botocore.session
    try:
        return botocore.session.get_session().get_service_model(boto_service_name).service_id
    except Exception:   # a service botocore has no model for: moto's own naming
        return None


def aws_sdk_errors_name_the_service() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    original = aws_sdk.StateTaskServiceAwsSdk._from_error
    if getattr(original, "_localcloud_fix", False):
        return
    Task = aws_sdk.StateTaskServiceAwsSdk
    moto_names = Task._normalise_service_error_name

    def _normalise_service_error_name(service_name: str) -> str:
        boto_name = Task._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES.get(service_name, service_name)
        service_id = _service_id(boto_name)
        return sdk_service_name(service_id) if service_id else moto_names(service_name)

    def _from_error(self, env, ex):
        response = getattr(ex, "response", None)
        if isinstance(ex, aws_sdk.ClientError) and self.resource.api_name.lower() == "s3" and response:
            metadata = response.setdefault("ResponseMetadata", {})
            metadata.setdefault("HostId", base64.b64encode(os.urandom(57)).decode())
        return original(self, env, ex)

    _from_error._localcloud_fix = True
    _from_error.__wrapped__ = original
    Task._normalise_service_error_name = staticmethod(_normalise_service_error_name)
    Task._from_error = _from_error
