"""API Gateway's gateway responses: what it answers itself (throttled, integration failed...), as each REST API's
AWS::ApiGateway::GatewayResponse resources customise them.

Without a customisation, a response type falls back on the API's DEFAULT_4XX or DEFAULT_5XX customisation, then on
API Gateway's own default ({"message": <the error's message>} with its status code). A customisation's StatusCode
replaces the status, its static header values (gatewayresponse.header.<Name>: "'value'") are added, and its
application/json template is the body, with $context.error.message / messageString / validationErrorString set.
"""
import json
from dataclasses import dataclass

from werkzeug.wrappers import Response

from localcloud.cloudformation.stack import ServiceStack

# Default status and message of the types the local API Gateway answers (supported-gateway-response-types.html).
DEFAULTS = {
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    # Lambda's throttling (429) reaches a proxy integration's caller as a 500 unless INTEGRATION_FAILURE is
    # customised; a customisation without a StatusCode answers 504 (re:Post, "api-gateway-internal-server-error").
    "INTEGRATION_FAILURE": (500, "Internal server error", "InternalServerErrorException"),
}
_CUSTOMISED_STATUS = {"INTEGRATION_FAILURE": 504}


@dataclass(frozen=True)
class Customisation:
    status: int | None
    headers: dict[str, str]
    template: str | None


def customisations_of(stack: ServiceStack) -> dict[str, Customisation]:
    found = {}
    for resource in stack.of_type("AWS::ApiGateway::GatewayResponse").values():
        props = stack.resolve(resource["Properties"])
        headers = {name.removeprefix("gatewayresponse.header."): value.strip("'")
                   for name, value in (props.get("ResponseParameters") or {}).items()
                   if name.startswith("gatewayresponse.header.") and value.startswith("'")}
        found[props["ResponseType"]] = Customisation(
            status=int(props["StatusCode"]) if props.get("StatusCode") else None, headers=headers,
            template=(props.get("ResponseTemplates") or {}).get("application/json"))
    return found


def gateway_response(customisations: dict[str, Customisation], response_type: str, request_id: str) -> Response:
    status, message, error_type = DEFAULTS[response_type]
    custom = customisations.get(response_type) or customisations.get(f"DEFAULT_{str(status)[0]}XX")
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error_type}
    if custom is None:
        return Response(json.dumps({"message": message}), status=status, content_type="application/json",
                        headers=headers)
    if custom is customisations.get(response_type):
        status = custom.status or _CUSTOMISED_STATUS.get(response_type, status)
    else:
        status = custom.status or status
    body = json.dumps({"message": message}) if custom.template is None else (
        custom.template.replace("$context.error.messageString", json.dumps(message))
        .replace("$context.error.validationErrorString", message)
        .replace("$context.error.message", message))
    return Response(body, status=status, content_type="application/json", headers={**headers, **custom.headers})
