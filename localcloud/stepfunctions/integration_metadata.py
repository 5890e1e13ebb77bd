"""The HTTP metadata AWS adds to the results of the optimised SNS and DynamoDB integrations.

The gap: on AWS, `arn:aws:states:::sns:publish` and `arn:aws:states:::dynamodb:putItem/getItem/updateItem/deleteItem`
results carry `SdkHttpMetadata` (the service's HTTP status code and headers, as the Java SDK Step Functions uses
saw them) and `SdkResponseMetadata` (its request id); moto's engine drops them with the boto3 ResponseMetadata, so
a state machine reading `$.SdkHttpMetadata.HttpStatusCode` breaks locally only. Fixed: the two integrations add
them, shaped as the services answer (DynamoDB: compact JSON body with its CRC32; SNS: its XML Publish response).
"""
import json
import uuid
import zlib
from email.utils import formatdate


def _metadata(all_headers: dict) -> dict:
    request_id = next(v for k, v in all_headers.items() if k.lower() == "x-amzn-requestid")
    # AllHttpHeaders is the Java SDK's Map<String, List<String>>: every value a list.
    return {"SdkHttpMetadata": {"AllHttpHeaders": {k: [v] for k, v in all_headers.items()},
                                "HttpHeaders": dict(sorted(all_headers.items(), key=lambda kv: kv[0].lower())),
                                "HttpStatusCode": 200},
            "SdkResponseMetadata": {"RequestId": request_id}}


def dynamodb_metadata(action: str, response: dict) -> dict:
    body = json.dumps(response, separators=(",", ":"), default=str).encode()
    # DynamoDB names its request id header in lower case on GetItem only.
    request_id_header = "x-amzn-requestid" if action == "get_item" else "x-amzn-RequestId"
    return _metadata({"Server": "Server", request_id_header: uuid.uuid4().hex.upper()[:32],
                      "Connection": "keep-alive", "x-amz-crc32": str(zlib.crc32(body)),
                      "Content-Length": str(len(body)), "Date": formatdate(usegmt=True),
                      "Content-Type": "application/x-amz-json-1.0"})


def sns_publish_metadata(response: dict) -> dict:
    request_id = str(uuid.uuid4())
    sequence = (f"    <SequenceNumber>{response['SequenceNumber']}</SequenceNumber>\n"
                if "SequenceNumber" in response else "")
    body = ('<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n  <PublishResult>\n'
            f"    <MessageId>{response.get('MessageId', '')}</MessageId>\n{sequence}  </PublishResult>\n"
            f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
            "</PublishResponse>\n")
    return _metadata({"x-amzn-RequestId": request_id, "connection": "keep-alive",
                      "Content-Length": str(len(body.encode())), "Date": formatdate(usegmt=True),
                      "Content-Type": "text/xml"})


def integrations_carry_http_metadata() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
        StateTaskServiceDynamoDB,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns import (
        StateTaskServiceSns,
    )

    for state_class, metadata in ((StateTaskServiceDynamoDB, dynamodb_metadata),
                                  (StateTaskServiceSns, lambda action, response: sns_publish_metadata(response))):
        original = state_class._eval_service_task
        if getattr(original, "_localcloud_fix", False):
            continue

        def _eval_service_task(self, env, *args, _original=original, _metadata_of=metadata, **kwargs):
            _original(self, env, *args, **kwargs)
            if isinstance(env.stack[-1], dict):
                env.stack[-1].update(_metadata_of(self._get_boto_service_action(), env.stack[-1]))

        _eval_service_task._localcloud_fix = True
        _eval_service_task.__wrapped__ = original
        state_class._eval_service_task = _eval_service_task
