"""IAM at the AWS endpoint: every request signed by a session the local cloud handed out (a function's, a state
machine's) is evaluated against that session's role, and refused with AccessDenied in the service's own protocol.

Requests signed with any other key are the developer's own (the AWS CLI, boto3 in a test, the console) and act as
an administrator's, as with an administrator's credentials on AWS. But a request from inside a function
(botocore marks it `exec-env/AWS_Lambda_...` in its User-Agent) must carry its function's session: credentials a
handler made up are refused as AWS refuses unknown ones.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Mapping

from localcloud.iam.errors import access_denied
from localcloud.iam.policy import Effect, evaluate
from localcloud.iam.requests import AwsCall, NameLookup, identify
from localcloud.iam.roles import RoleSession, Roles

log = logging.getLogger("localcloud.iam")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")
_FROM_A_FUNCTION = "exec-env/AWS_Lambda_"

# (status, headers, body)
Refusal = tuple[int, dict[str, str], bytes]


def _access_key(headers: Mapping[str, str], query: Mapping[str, list[str]]) -> str | None:
    match = _ACCESS_KEY.search(headers.get("Authorization", ""))
    if match:
        return match.group(1)
    credential = (query.get("X-Amz-Credential") or [""])[0]
    return credential.split("/", 1)[0] or None


class Enforcer:
    def __init__(self, roles: Roles, names: NameLookup, *, region: str, account: str):
        self._roles, self._names, self._region, self._account = roles, names, region, account
        self._unmapped_logged: set[str] = set()

    def check(self, method: str, raw_path: str, query: Mapping[str, list[str]], headers: Mapping[str, str],
              body: bytes) -> Refusal | None:
        """None when the request may go on; otherwise the refusal to answer with."""
        access_key = _access_key(headers, query)
        if access_key is None:
            return None                       # not a signed AWS API call: the local cloud's own routes
        session = self._roles.session_of(access_key)
        if session is None:
            if _FROM_A_FUNCTION in headers.get("User-Agent", ""):
                return _unrecognized_client()
            return None                       # the developer's own credentials: an administrator's
        if headers.get("X-Amz-Security-Token") != session.session_token:
            return _unrecognized_client()
        call = identify(method, raw_path, query, headers, body, region=self._region, account=self._account,
                        names=self._names)
        if call is None or not call.needs_permission:
            return None
        return self._authorize(call, session)

    def _authorize(self, call: AwsCall, session: RoleSession) -> Refusal | None:
        if not call.resource_mapped and call.action not in self._unmapped_logged:
            self._unmapped_logged.add(call.action)
            log.warning("IAM: the local cloud does not know what %s acts on; it is evaluated on resource '*'",
                        call.action)
        policies = self._roles.policies(session.role_name)
        context = self._context(session)
        for permission in call.permissions:
            for resource in permission.resources:
                decision = evaluate(policies, permission.action, [resource], context)
                if not decision.allowed:
                    log.info("IAM: %s may not %s on %s (%s)", session.arn, permission.action, resource,
                             decision.effect.value)
                    return access_denied(call, session.arn, explicit=decision.effect is Effect.EXPLICIT_DENY,
                                         request_id=str(uuid.uuid4()), action=permission.action, resource=resource)
        return None

    def _context(self, session: RoleSession) -> dict:
        return session_context(session, region=self._region, account=self._account)


def session_context(session: RoleSession, *, region: str, account: str) -> dict:
    """The global condition keys of a request signed by `session` (the local API Gateway's aws_iam uses them too)."""
    now = time.time()
    return {
        "aws:PrincipalArn": session.role_arn, "aws:PrincipalAccount": account,
        "aws:PrincipalType": "AssumedRole", "aws:userid": f"{session.access_key_id}:{session.session_name}",
        "aws:RequestedRegion": region, "aws:CurrentTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "aws:EpochTime": int(now),
        # Every AWS endpoint is HTTPS; the local one is plain HTTP on loopback, which a policy must not see.
        "aws:SecureTransport": True,
    }


def _unrecognized_client() -> Refusal:
    body = b'{"__type": "UnrecognizedClientException", "message": "The security token included in the request is invalid."}'
    return 400, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": "UnrecognizedClientException"}, body
