"""A method with `authorizer: aws_iam` (AuthorizationType AWS_IAM), checked as API Gateway checks it, before the
request is validated or integrated:

- no SigV4 signature: 403 {"message": "Missing Authentication Token"};
- a session the local cloud handed out, but the wrong token or signature: 403 "The security token included in the
  request is invalid." / "The request signature we calculated does not match...", with the canonical request and
  the string to sign API Gateway would have expected;
- a session whose role's policies do not allow execute-api:Invoke on the method's ARN: 403
  {"Message": "User: <session> is not authorized to perform: execute-api:Invoke on resource: <method ARN>"}, the
  account masked in the resource as AWS masks it.

Whose signature counts is the edge's rule (localcloud/iam/enforcement.py): keys of the sessions the local cloud
handed out (functions, state machines) are verified and judged by their role's policies, with IAM's own
evaluation (localcloud/iam/policy.py); any other key is the developer's own, an administrator's, and its secret
is not known here, so it is not verified.
"""
from __future__ import annotations

import json
import logging
import re
import uuid

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.wrappers import Request, Response

from localcloud.iam.enforcement import session_context
from localcloud.iam.policy import Effect, evaluate
from localcloud.iam.roles import RoleSession, Roles

log = logging.getLogger("localcloud.apigateway")

_INVOKE = "execute-api:Invoke"
_FROM_A_FUNCTION = "exec-env/AWS_Lambda_"
# Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request
_CREDENTIAL = re.compile(r"^([^/\s]+)/(\d{8})/([^/\s]+)/([^/\s]+)/aws4_request$")
_SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your "
                       "AWS Secret Access Key and signing method. Consult the service documentation for details.")


class IamAuthorization:
    def __init__(self, roles: Roles, *, region: str, account: str):
        self._roles, self._region, self._account = roles, region, account

    def refusal(self, request: Request, method_arn: str) -> Response | None:
        """None when the caller may invoke the method; otherwise API Gateway's 403."""
        authorization = request.headers.get("Authorization", "")
        if not authorization:
            if request.args.get("X-Amz-Algorithm"):
                return _refused(501, "NotImplemented", "message", "the local API Gateway verifies SigV4 "
                                "signatures in the Authorization header only, not in the query string")
            return _refused(403, "MissingAuthenticationTokenException", "message", "Missing Authentication Token")
        fields = _signature_fields(authorization)
        missing = [f"Authorization header requires '{name}' parameter." for name in
                   ("Credential", "Signature", "SignedHeaders") if not fields.get(name)]
        if not request.headers.get("X-Amz-Date"):
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        credential = _CREDENTIAL.match(fields.get("Credential", ""))
        if missing or credential is None or not authorization.startswith("AWS4-HMAC-SHA256 "):
            return _refused(403, "IncompleteSignatureException", "message",
                            " ".join(missing or ["Invalid Authorization header."]) + f" Authorization={authorization}")
        access_key, _, region, service = credential.groups()
        session = self._roles.session_of(access_key)
        if session is None:
            if _FROM_A_FUNCTION in request.headers.get("User-Agent", ""):
                return _invalid_token()
            return None                      # the developer's own credentials: an administrator's
        if request.headers.get("X-Amz-Security-Token") != session.session_token:
            return _invalid_token()
        mismatch = _signature_mismatch(request, fields, session, region, service)
        if mismatch:
            return _refused(403, "InvalidSignatureException", "message", mismatch)
        return self._not_allowed(session, method_arn)

    def _not_allowed(self, session: RoleSession, method_arn: str) -> Response | None:
        context = session_context(session, region=self._region, account=self._account)
        decision = evaluate(self._roles.policies(session.role_name), _INVOKE, [method_arn], context)
        if decision.allowed:
            return None
        log.info("API Gateway (aws_iam): %s may not %s on %s (%s)", session.arn, _INVOKE, method_arn,
                 decision.effect.value)
        explicit = " with an explicit deny" if decision.effect is Effect.EXPLICIT_DENY else ""
        return _refused(403, "AccessDeniedException", "Message",
                        f"User: {session.arn} is not authorized to perform: {_INVOKE} on resource: "
                        f"{_masked_account(method_arn)}{explicit}")


def _signature_fields(authorization: str) -> dict[str, str]:
    _, _, rest = authorization.partition(" ")
    return dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)


def _signature_mismatch(request: Request, fields: dict, session: RoleSession, region: str, service: str
                        ) -> str | None:
    """None if the signature is the one the session's secret makes of this request; else API Gateway's message.
    The request is signed again with botocore's own SigV4, from the headers the caller says it signed (as moto's
    IAM does for its services)."""
    signed = fields["SignedHeaders"].split(";")
    headers = {name: value for name, value in request.headers.items() if name.lower() in signed}
    raw_path = request.environ.get("RAW_URI") or request.full_path
    aws_request = AWSRequest(method=request.method, url=f"{request.scheme}://{request.host}{raw_path}",
                             data=request.get_data(), headers=headers)
    aws_request.context["timestamp"] = request.headers["X-Amz-Date"]
    auth = SigV4Auth(Credentials(session.access_key_id, session.secret_access_key, session.session_token),
                     service, region)
    canonical = auth.canonical_request(aws_request)
    string_to_sign = auth.string_to_sign(aws_request, canonical)
    if auth.signature(string_to_sign, aws_request) == fields["Signature"]:
        return None
    return (f"{_SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
            f"The String-to-Sign should have been\n'{string_to_sign}'\n")


def _masked_account(arn: str) -> str:
    """arn:aws:execute-api:us-east-1:********9012:...: AWS shows only the account's last four digits here."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and len(parts[4]) > 4:
        parts[4] = "*" * (len(parts[4]) - 4) + parts[4][-4:]
    return ":".join(parts)


def _invalid_token() -> Response:
    return _refused(403, "UnrecognizedClientException", "message",
                    "The security token included in the request is invalid.")


def _refused(status: int, error_type: str, key: str, message: str) -> Response:
    return Response(json.dumps({key: message}), status=status, content_type="application/json",
                    headers={"x-amzn-ErrorType": error_type, "x-amzn-RequestId": str(uuid.uuid4())})
