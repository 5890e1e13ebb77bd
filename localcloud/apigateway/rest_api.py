"""API Gateway at http://127.0.0.1:3000/<service-folder>/<path>, built from each template's ApiGateway resources.

Two integrations exist in this repo, and both are emulated as AWS runs them:
- AWS_PROXY to a Lambda function: the REST API (v1) proxy event in, {statusCode, headers, body} out;
- AWS to states:action/StartExecution (serverless-step-functions' http events): the body becomes the execution
  input, the StartExecution answer is the response.
Request models with a request validator are enforced with JSON Schema draft 4, as API Gateway does; a refused body
gets 400 and the integration is never called. A method with AWS_IAM authorization (serverless' `authorizer:
aws_iam`) first checks its caller's SigV4 signature and IAM policies (iam_authorization.py). Any other integration
answers 501 naming what is missing.
A request over the stage's or the account's throttling limits is answered THROTTLED (429, throttling.py); a Lambda
that is throttled (its reserved concurrency in use) is an INTEGRATION_FAILURE (500 unless the API customises it,
gateway_responses.py), never a call that waits.
"""
import base64
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from jsonschema import Draft4Validator
from werkzeug.wrappers import Request, Response

from localcloud.apigateway.gateway_responses import customisations_of, gateway_response
from localcloud.apigateway.throttling import Throttles
from localcloud.apigateway.iam_authorization import IamAuthorization
from localcloud.edge.server import json_response
from localcloud.lambda_.permissions import InvokeRefused
from localcloud.lambda_.runtime import Throttled
from localcloud.cloudformation.stack import ACCOUNT, REGION, ServiceStack

log = logging.getLogger("localcloud.apigateway")

_STATE_MACHINE_ARN = re.compile(r'"stateMachineArn"\s*:\s*"(arn:aws:states:[^"]+)"')
_TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml")


@dataclass
class Route:
    service: str
    resource_path: str                    # "/approvals/{approvalId}"
    method: str                           # "GET", "POST", ..., or "ANY"
    kind: str                             # "lambda" | "start-execution" | "unsupported"
    target: str                           # function name, state machine ARN, or what is unsupported
    models: dict[str, dict] = field(default_factory=dict)   # content type -> JSON schema
    validate_body: bool = False
    authorization: str = "NONE"           # AuthorizationType: "NONE", "AWS_IAM", ...
    pattern: re.Pattern = None

    def __post_init__(self):
        regex = re.sub(r"\\\{([^}+]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(self.resource_path))
        regex = re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", regex)
        self.pattern = re.compile(f"^{regex}/?$")


def _resource_paths(stack: ServiceStack) -> dict[str, str]:
    resources = stack.of_type("AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            props = resources[logical_id]["Properties"]
            parent = props["ParentId"]
            parent_path = path_of(parent["Ref"]) if "Ref" in parent else ""
            paths[logical_id] = f"{parent_path}/{props['PathPart']}"
        return paths[logical_id]

    for logical_id in resources:
        path_of(logical_id)
    return paths


def _schema(stack: ServiceStack, model_ref: Any) -> dict:
    model = stack.resources[model_ref["Ref"]]["Properties"]["Schema"]
    return json.loads(model) if isinstance(model, str) else model


def routes_of(stack: ServiceStack) -> list[Route]:
    paths = _resource_paths(stack)
    validators = {lid: r["Properties"] for lid, r in stack.of_type("AWS::ApiGateway::RequestValidator").items()}
    routes = []
    for props in (r["Properties"] for r in stack.of_type("AWS::ApiGateway::Method").values()):
        if props["HttpMethod"] == "OPTIONS":
            continue
        resource = props["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        integration = props.get("Integration", {})
        uri = str(stack.resolve(integration.get("Uri", "")))
        if integration.get("Type") == "AWS_PROXY" and ":lambda:path/" in uri:
            kind, target = "lambda", uri.split("/functions/")[1].split("/invocations")[0].split(":")[6]
        elif integration.get("Type") == "AWS" and uri.endswith(":states:action/StartExecution"):
            template = str(stack.resolve(integration["RequestTemplates"]["application/json"]))
            kind, target = "start-execution", _STATE_MACHINE_ARN.search(template).group(1)
        else:
            kind, target = "unsupported", f"{integration.get('Type')} {uri}"
        validator = validators.get((props.get("RequestValidatorId") or {}).get("Ref"), {})
        routes.append(Route(
            service=stack.service, resource_path=path, method=props["HttpMethod"], kind=kind, target=target,
            models={ct: _schema(stack, ref) for ct, ref in (props.get("RequestModels") or {}).items()},
            validate_body=bool(validator.get("ValidateRequestBody")),
            authorization=props.get("AuthorizationType", "NONE"),
        ))
    return routes


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _validation_errors(schema: dict, text: str) -> list[str]:
    try:
        # NaN and Infinity are not JSON, whatever Python's json module accepts.
        document = json.loads(text or "null", parse_constant=_no_constants)
    except ValueError as exc:
        return [f"body is not valid JSON ({getattr(exc, 'msg', exc)})"]
    errors = sorted(Draft4Validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [(f"{'.'.join(map(str, e.absolute_path))}: " if e.absolute_path else "") + e.message for e in errors]


class ApiGateway:
    """A WSGI app. invoke(function, payload, *, source_arn) -> InvokeResult, as API Gateway's service principal
    invokes (refused with InvokeRefused when the function's resource policy does not let it);
    start_execution(arn, input, name) -> dict."""

    def __init__(self, stacks: list[ServiceStack], invoke: Callable, start_execution: Callable, stage: str,
                 base_url: str, iam: IamAuthorization | None = None):
        self.routes = [route for stack in stacks for route in routes_of(stack)]
        self._responses = {stack.service: customisations_of(stack) for stack in stacks}
        self._throttles = Throttles(stacks, stage)
        self._iam = iam
        self._invoke = invoke
        self._start_execution = start_execution
        self._stage = stage
        self._base_url = base_url

    def __call__(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        service, _, rest = request.path.lstrip("/").partition("/")
        candidates = [r for r in self.routes if r.service == service and r.pattern.match(f"/{rest}")]
        if not candidates:
            return json_response(404, {"message": f"No route for {request.method} {request.path}",
                                       "routes": sorted({f"{r.method} /{r.service}{r.resource_path}"
                                                         for r in self.routes})})
        route = next((r for r in candidates if r.method in (request.method, "ANY")), None)
        if route is None:
            return json_response(405 if request.method != "OPTIONS" else 204, {"message": "Method Not Allowed"})
        if not self._throttles.take(route.service, route.resource_path, request.method):
            return gateway_response(self._responses[route.service], "THROTTLED", str(uuid.uuid4()))
        refused = self._refuse_caller(route, request, rest)
        if refused:
            return refused
        body = request.get_data(as_text=True)
        refused = self._refuse_body(route, request, body)
        if refused:
            return refused
        if route.kind == "lambda":
            return self._lambda_proxy(route, request, body, route.pattern.match(f"/{rest}").groupdict())
        if route.kind == "start-execution":
            return self._start(route, body)
        return json_response(501, {"message": f"the local API Gateway does not emulate this integration: {route.target}"})

    def _refuse_caller(self, route: Route, request: Request, path: str) -> Response | None:
        """API Gateway authorizes before it validates: an AWS_IAM method's caller must sign and be allowed."""
        if route.authorization == "NONE":
            return None
        if route.authorization != "AWS_IAM" or self._iam is None:
            return json_response(501, {"message": f"the local API Gateway does not emulate {route.authorization} "
                                                  "authorization here"})
        method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{route.service}/{self._stage}/{request.method}/{path}"
        return self._iam.refusal(request, method_arn)

    def _refuse_body(self, route: Route, request: Request, body: str) -> Response | None:
        if not (route.validate_body and route.models):
            return None
        content_type = (request.mimetype or "application/json").lower()
        schema = route.models.get(content_type)
        if schema is None:
            if route.kind == "start-execution":   # PassthroughBehavior NEVER: no template for this content type
                return json_response(415, {"message": "Unsupported Media Type"})
            return None
        errors = _validation_errors(schema, body)
        if errors:
            # Same shape as the BAD_REQUEST_BODY gateway response each serverless.yml declares.
            return json_response(400, {"message": "Invalid request body: " + "; ".join(errors)})
        return None

    def _start(self, route: Route, body: str) -> Response:
        execution_input = json.dumps(json.loads(body)) if body.strip() else "{}"
        try:
            started = self._start_execution(route.target, execution_input, str(uuid.uuid4()))
        except Exception as exc:   # AWS answers a failed StartExecution with 400 and the error
            return json_response(400, {"message": str(exc)})
        return json_response(200, started)

    def _lambda_proxy(self, route: Route, request: Request, body: str, path_params: dict) -> Response:
        raw = request.get_data()
        is_text = not raw or (request.mimetype or "").startswith(_TEXT_TYPES)
        request_id = str(uuid.uuid4())
        single = lambda multi: {k: v[-1] for k, v in multi.items()} or None   # noqa: E731
        query = {k: request.args.getlist(k) for k in request.args}
        headers = {k: [v] for k, v in request.headers.items()}
        event = {
            "resource": route.resource_path,
            "path": "/" + request.path.lstrip("/").partition("/")[2],
            "httpMethod": request.method,
            "headers": single(headers),
            "multiValueHeaders": headers or None,
            "queryStringParameters": single(query),
            "multiValueQueryStringParameters": query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.resource_path, "httpMethod": request.method, "stage": self._stage,
                "path": f"/{self._stage}{route.resource_path}", "requestId": request_id, "apiId": route.service,
                "accountId": "123456789012", "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "domainName": request.host, "requestTimeEpoch": int(time.time() * 1000),
                "identity": {"sourceIp": request.remote_addr, "userAgent": request.user_agent.string},
            },
            "body": (body if is_text else base64.b64encode(raw).decode()) if raw else None,
            "isBase64Encoded": not is_text,
        }
        source_arn = (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{route.service}/{self._stage}/{request.method}"
                      f"{route.resource_path}")
        try:
            result = self._invoke(route.target, json.dumps(event).encode(), source_arn=source_arn)
        except InvokeRefused as exc:
            # AWS's execution log says it; the caller only sees the 500.
            log.error("Execution failed due to configuration error: Invalid permissions on Lambda function (%s)", exc)
            return json_response(500, {"message": "Internal server error"}, headers={"x-amzn-RequestId": request_id})
        except Throttled as exc:
            log.warning("Lambda invocation failed with status: 429. Lambda request id: %s (%s, %s)", request_id,
                        exc.function_name, exc.reason)
            return gateway_response(self._responses[route.service], "INTEGRATION_FAILURE", request_id)
        if result.function_error:
            return json_response(502, {"message": "Internal server error"}, headers={"x-amzn-RequestId": request_id})
        try:
            answer = json.loads(result.payload)
            status = int(answer.get("statusCode", 200))
        except (ValueError, TypeError, AttributeError):
            return json_response(502, {"message": "Internal server error"}, headers={"x-amzn-RequestId": request_id})
        payload = answer.get("body") or ""
        data = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode()
        response = Response(data, status=status, headers={"x-amzn-RequestId": request_id})
        response.headers.pop("Content-Type", None)
        for key, value in (answer.get("headers") or {}).items():
            response.headers[key] = str(value)
        for key, values in (answer.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(key, str(value))
        return response
