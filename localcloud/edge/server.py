"""The AWS endpoint at http://127.0.0.1:4566: moto's server, with our parts in front of what moto cannot do.

moto runs in this process as a WSGI app behind this one. Its Step Functions engine makes its own AWS calls to
localhost:$MOTO_PORT, so MOTO_PORT is set to this edge's port: a Lambda task of a state machine comes back here
and reaches our Lambda runtime like any other Invoke.
"""
import base64
import json
import re
from io import BytesIO
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, unquote

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.wrappers import Request, Response

from localcloud.edge.global_cors import no_global_cors
from localcloud.edge.origins import is_foreign, refused_origin_message
from localcloud.lambda_.runtime import Throttled
from localcloud.stepfunctions.execution_names import REQUEST_FIXES

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations/?$")

# A route a part of the local cloud adds in front of moto: (predicate(request, body), handler(request, body)).
Route = tuple[Callable[[Request, bytes], bool], Callable[[Request, bytes], Response]]


def json_response(status: int, body: Any, *, content_type: str = "application/json", headers: dict | None = None,
                  default: Callable | None = None) -> Response:
    """The JSON answers of every part of the local cloud (edge routes, API Gateway, console)."""
    return Response(json.dumps(body, default=default), status=status, content_type=content_type,
                    headers=headers or {})


def aws_json(status: int, body: Any) -> Response:
    """An answer of the AWS JSON protocol (X-Amz-Target services: Step Functions, EventBridge...)."""
    return json_response(status, body, content_type="application/x-amz-json-1.0")


def target_of(request: Request) -> str:
    """The operation a JSON-protocol request names: X-Amz-Target, e.g. AWSEvents.PutEvents."""
    return request.headers.get("X-Amz-Target", "")


def aws_error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"__type": code, "Type": "User", "message": message, "Message": message},
                         headers={"x-amzn-ErrorType": code})


def throttled_response(exc: Throttled) -> Response:
    """Lambda's 429, as its REST-JSON protocol answers it: the error type in x-amzn-ErrorType, Retry-After."""
    return json_response(429, {"Reason": exc.reason, "Type": "User", "message": str(exc)},
                         headers={"x-amzn-ErrorType": exc.error_type, "Retry-After": str(exc.retry_after_seconds)})


def function_name(name_or_arn: str) -> str:
    """A function is named by name, partial ARN or ARN, maybe with a :qualifier; the runtime knows it by name."""
    name = unquote(name_or_arn)
    if name.startswith("arn:"):
        return name.split(":")[6]
    return name.split(":")[0]


class Edge:
    def __init__(self, runtime_lookup: Callable, inbox, health: Callable[[], tuple[int, dict]]):
        self._runtime = runtime_lookup      # () -> LambdaRuntime | None (None while starting)
        self._inbox = inbox
        self._health = health
        self._routes: list[Route] = []
        no_global_cors()
        self._moto = DomainDispatcherApplication(create_backend_app)
        # IAM: (method, raw path, query, headers, body) -> None, or the (status, headers, body) of a refusal.
        self.authorize: Callable | None = None
        # Fault injection, asked after IAM with the same arguments: None, or the AWS error to answer with.
        self.inject: Callable | None = None

    def add_route(self, predicate: Callable[[Request, bytes], bool], handler: Callable[[Request, bytes], Response]):
        self._routes.append((predicate, handler))

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        request = Request(environ)
        body = request.get_data(cache=True)
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
        query = {k: request.args.getlist(k) for k in request.args}
        # Before anything answers, our routes too (Invoke, GetActivityTask, iot-data Publish): IAM judges all, then
        # the fault rules may fail or slow what IAM let through.
        for hook in (self.authorize, self.inject):
            answer = hook(request.method, raw_path, query, request.headers, body) if hook is not None else None
            if answer is not None:
                status, headers, payload = answer
                return Response(payload, status=status, headers=headers)(environ, start_response)
        response = self._dispatch(request, body)
        if response is None:
            return self._to_moto(environ, body, start_response, request)
        return response(environ, start_response)

    def _dispatch(self, request: Request, body: bytes) -> Response | None:
        path = request.path
        if path == "/_localcloud/health":
            status, parts = self._health()
            return Response(json.dumps(parts), status=status, content_type="application/json")
        if path == "/_aws/ses":
            return self._ses(request)
        invoke = _INVOKE.match(path)
        if invoke and request.method == "POST":
            return self._invoke(request, body, invoke.group("function"))
        for predicate, handler in self._routes:
            if predicate(request, body):
                return handler(request, body)
        return None

    # --- moto, with the request fixes of the gaps ------------------------------------------------------------------
    def _to_moto(self, environ, body: bytes, start_response, request: Request) -> Iterable[bytes]:
        fix = REQUEST_FIXES.get(request.headers.get("X-Amz-Target", ""))
        if fix:
            body = fix(body)
        environ["wsgi.input"] = BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if self._is_ses_send_email(request, body):
            return self._send_email_through_moto(environ, body, start_response)
        return self._moto(environ, start_response)

    @staticmethod
    def _is_ses_send_email(request: Request, body: bytes) -> bool:
        return request.method == "POST" and b"Action=SendEmail" in body and b"Message.Subject.Data" in body

    def _send_email_through_moto(self, environ, body: bytes, start_response) -> Iterable[bytes]:
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = list(self._moto(environ, capture))
        if captured.get("status", "").startswith("200"):
            match = re.search(rb"<MessageId>([^<]+)</MessageId>", b"".join(chunks))
            if match:
                self._inbox.record_send_email(body, match.group(1).decode())
        return chunks

    # --- our own parts ----------------------------------------------------------------------------------------------
    def _ses(self, request: Request) -> Response:
        if request.method == "DELETE":
            if is_foreign(request):
                return json_response(403, {"message": refused_origin_message(request, "The mailbox is cleared")})
            self._inbox.clear(request.args.get("id"))
            return Response(status=204)
        messages = self._inbox.messages(request.args.get("id"), request.args.get("email"))
        return Response(json.dumps({"messages": messages}), content_type="application/json")

    def _invoke(self, request: Request, body: bytes, name_or_arn: str) -> Response:
        runtime = self._runtime()
        if runtime is None:
            return aws_error(503, "ServiceException", "the local cloud is still starting")
        name = function_name(name_or_arn)
        if name not in runtime.function_names():
            return aws_error(404, "ResourceNotFoundException", f"Function not found: {unquote(name_or_arn)}")
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            return Response(status=204)
        # A caller's trace header (X-Ray propagation) is continued by a traced invocation.
        try:
            result = runtime.invoke(name, body or b"{}", invocation_type=invocation_type,
                                    trace_header=request.headers.get("X-Amzn-Trace-Id"))
        except Throttled as exc:
            return throttled_response(exc)
        if invocation_type == "Event":
            return Response(status=202)
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        if request.headers.get("X-Amz-Log-Type") == "Tail":
            tail = "\n".join(result.log_lines).encode()[-4096:]
            headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
        return Response(result.payload, status=200, content_type="application/json", headers=headers)


def client_hung_up(request: Request) -> Callable[[], bool]:
    """For long polls: has the client behind this request closed its connection? (werkzeug's server exposes the
    socket; a readable socket with nothing to read is a closed one.)"""
    import select
    import socket as socket_module

    sock = request.environ.get("werkzeug.socket")

    def hung_up() -> bool:
        if sock is None:
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket_module.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True
    return hung_up


def form_params(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", errors="replace")).items()}
