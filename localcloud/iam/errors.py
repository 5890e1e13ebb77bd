"""AccessDenied exactly as each AWS service answers it: status, headers and body in the service's own protocol, with
the error code and message its SDKs show.

IAM's message (IAM user guide, "Troubleshoot access denied error messages"):
  User: <principal> is not authorized to perform: <action> on resource: <resource> because no identity-based policy
  allows the <action> action
  ... with an explicit deny in an identity-based policy
and " on resource: ..." is left out for an action on "*". Services then write it their own way, as recorded in their
answers: SES quotes with `...', SQS lower-cases the action, SNS upper-cases its prefix, S3 double-quotes the
resource, Secrets Manager names the secret as the caller did, and the IoT data plane says only "Forbidden".
"""
from __future__ import annotations

import json
from typing import Callable
from xml.etree import ElementTree

from moto.core.utils import get_service_model

from localcloud.iam.requests import AwsCall

Response = tuple[int, dict[str, str], bytes]

# (HTTP status, error code) by botocore service, then by protocol for every other service.
_REFUSAL_BY_API = {
    "dynamodb": (400, "AccessDeniedException"),
    "stepfunctions": (400, "AccessDeniedException"),
    "secretsmanager": (400, "AccessDeniedException"),
    "sqs": (403, "AccessDenied"),            # a JSON service that answers with its old query-protocol code
    "ses": (403, "AccessDenied"),
    "rds": (403, "AccessDenied"),
    "sns": (403, "AuthorizationError"),
    "lambda": (403, "AccessDeniedException"),
    "iot-data": (403, "ForbiddenException"),
}
_REFUSAL_BY_PROTOCOL = {
    "json": (400, "AccessDeniedException"),
    "query": (403, "AccessDenied"),
    "rest-json": (403, "AccessDeniedException"),
    "rest-xml": (403, "AccessDenied"),
}


def access_denied(call: AwsCall, principal_arn: str, *, explicit: bool, request_id: str,
                  action: str | None = None, resource: str | None = None) -> Response:
    """The answer to `call` when IAM refuses it. `action` and `resource` are the permission that was refused,
    the first resource not allowed (by default the call's action and its first resource)."""
    status, code = _REFUSAL_BY_API.get(call.api) or _REFUSAL_BY_PROTOCOL.get(call.protocol, (403, "AccessDenied"))
    message = _message(call, principal_arn, action or call.action, resource or call.resources[0], explicit)
    return _ANSWER_BY_PROTOCOL.get(call.protocol, _json)(call, status, code, message, request_id)


def aws_error(call: AwsCall, status: int, code: str, message: str, request_id: str) -> Response:
    """Any AWS error answered in the call's protocol (what fault injection answers with)."""
    return _ANSWER_BY_PROTOCOL.get(call.protocol, _json)(call, status, code, message, request_id,
                                                          error_type=code)


# --- the message ----------------------------------------------------------------------------------------------------
_ACTION_AS_WRITTEN: dict[str, Callable[[str], str]] = {
    "sqs": str.lower,                                       # sqs:sendmessage
    "sns": lambda action: "SNS:" + action.partition(":")[2],  # SNS:Publish
}
_RESOURCE_AS_WRITTEN: dict[str, Callable[[str, AwsCall], str]] = {
    "s3": lambda resource, call: f'"{resource}"',
    # IAM evaluates the complete ARN, but the message names the secret the way the request did.
    "secretsmanager": lambda resource, call: call.params.get("SecretId", resource),
}


def _message(call: AwsCall, principal: str, action: str, resource: str, explicit: bool) -> str:
    if call.api == "iot-data":
        return "Forbidden"
    if call.api == "ses":
        return f"User `{principal}' is not authorized to perform `{action}' on resource `{resource}'"
    action = _ACTION_AS_WRITTEN.get(call.api, str)(action)
    if call.api in _RESOURCE_AS_WRITTEN:
        resource = _RESOURCE_AS_WRITTEN[call.api](resource, call)
    on_resource = "" if resource == "*" else f" on resource: {resource}"
    reason = ("with an explicit deny in an identity-based policy" if explicit
              else f"because no identity-based policy allows the {action} action")
    return f"User: {principal} is not authorized to perform: {action}{on_resource} {reason}"


# --- the answer, protocol by protocol -------------------------------------------------------------------------------
def _metadata(call: AwsCall) -> dict:
    return get_service_model(call.api).metadata if call.api else {}


def _json(call: AwsCall, status: int, code: str, message: str, request_id: str,
          error_type: str = "AccessDeniedException") -> Response:
    headers = {"Content-Type": f"application/x-amz-json-{_metadata(call).get('jsonVersion', '1.0')}",
               "x-amzn-RequestId": request_id}
    if "awsQueryCompatible" in _metadata(call):
        # The JSON error names the exception; SDKs take the code the query protocol had from this header.
        headers["x-amzn-query-error"] = f"{code};Sender"
    else:
        error_type = code
    # AWS's JSON services prefix the error's name with the framework's namespace; SDKs keep what follows the #.
    body = {"__type": f"com.amazon.coral.service#{error_type}", "message": message}
    return status, headers, json.dumps(body).encode()


def _rest_json(call: AwsCall, status: int, code: str, message: str, request_id: str, error_type: str = "") -> Response:
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}
    body = {"Type": "User", "message": message} if call.api == "lambda" else {"message": message}
    return status, headers, json.dumps(body).encode()


def _query(call: AwsCall, status: int, code: str, message: str, request_id: str, error_type: str = "") -> Response:
    namespace = _metadata(call).get("xmlNamespace")
    root = ElementTree.Element("ErrorResponse", {"xmlns": namespace} if namespace else {})
    error = ElementTree.SubElement(root, "Error")
    for name, text in (("Type", "Sender"), ("Code", code), ("Message", message)):
        ElementTree.SubElement(error, name).text = text
    ElementTree.SubElement(root, "RequestId").text = request_id
    return status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, _xml(root)


def _rest_xml(call: AwsCall, status: int, code: str, message: str, request_id: str, error_type: str = "") -> Response:
    root = ElementTree.Element("Error")
    for name, text in (("Code", code), ("Message", message), ("RequestId", request_id)):
        ElementTree.SubElement(root, name).text = text
    return status, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, _xml(root)


def _xml(root: ElementTree.Element) -> bytes:
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


_ANSWER_BY_PROTOCOL = {"json": _json, "rest-json": _rest_json, "query": _query, "rest-xml": _rest_xml}
