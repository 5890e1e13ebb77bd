"""Asynchronous invocation (InvocationType Event: EventBridge, IoT rules, S3...) as Lambda runs it.

AWS queues the event and runs the function; when the function returns an error (or times out), Lambda retries it,
by default twice, "with a one-minute wait between the first two attempts, and two minutes between the second and
third" (Lambda developer guide, asynchronous invocation). AWS::Lambda::EventInvokeConfig (osls: a function's
`maximumRetryAttempts`, `maximumEventAge`, `destinations`) changes the retries and names where the outcome goes:
after the last failed attempt the invocation record goes to the OnFailure destination, with the function's own
role. Locally the waits are scaled down (`LocalCloud` passes them), the rest is AWS's.
"""
import json
from dataclasses import dataclass
from datetime import datetime, timezone

AWS_RETRY_DELAYS = (60.0, 120.0)     # seconds before the second and the third attempt, on AWS


@dataclass(frozen=True)
class AsyncConfig:
    maximum_retry_attempts: int = 2          # 0-2
    maximum_event_age: int = 21600           # seconds, 60-21600
    on_failure: str | None = None            # destination ARN: SQS, SNS, Lambda or EventBridge
    on_success: str | None = None


def async_configs_of(stack, function_name_of) -> dict[str, AsyncConfig]:
    """Function name -> its EventInvokeConfig in this stack (functions without one keep AWS's defaults)."""
    configs = {}
    for resource in stack.of_type("AWS::Lambda::EventInvokeConfig").values():
        props = stack.resolve(resource.get("Properties", {}))
        destinations = props.get("DestinationConfig") or {}
        configs[function_name_of(str(props["FunctionName"]))] = AsyncConfig(
            maximum_retry_attempts=int(props.get("MaximumRetryAttempts", 2)),
            maximum_event_age=int(props.get("MaximumEventAgeInSeconds", 21600)),
            on_failure=(destinations.get("OnFailure") or {}).get("Destination"),
            on_success=(destinations.get("OnSuccess") or {}).get("Destination"),
        )
    return configs


def invocation_record(function_arn: str, request_id: str, payload: bytes, result, attempts: int,
                      condition: str) -> dict:
    """What Lambda sends a destination (the "invocation record" of the developer guide)."""
    def parsed(body: bytes):
        try:
            return json.loads(body or b"null")
        except ValueError:
            return body.decode(errors="replace")

    record = {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {"requestId": request_id, "functionArn": f"{function_arn}:$LATEST",
                           "condition": condition, "approximateInvokeCount": attempts},
        "requestPayload": parsed(payload),
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": parsed(result.payload),
    }
    if result.function_error:
        record["responseContext"]["functionError"] = result.function_error
    return record
