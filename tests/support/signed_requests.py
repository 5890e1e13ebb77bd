"""Real AWS API requests, made by real boto3 clients and caught before they leave the process.

A client signs for the local cloud's edge with fake credentials; botocore's before-send event hands over the
prepared request, which is kept instead of sent. A test can also answer the request: the answer then goes through
the client's own response parsing, exactly as one from the edge would.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from botocore.config import Config

EDGE = "http://127.0.0.1:4566"
REGION = "us-east-1"
ACCOUNT = "123456789012"
ACCESS_KEY_ID = "ASIAFUNCTIONROLE0001"


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str                       # as sent: still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class _NotSent(Exception):
    def __init__(self, request: SignedRequest):
        self.request = request


def aws_client(service: str, *, signed: bool = True):
    # SigV4 always (botocore would presign S3 URLs with SigV2); one attempt: a test's answer is final.
    signature_version = UNSIGNED if not signed else "s3v4" if service == "s3" else None
    config = Config(retries={"total_max_attempts": 1}, signature_version=signature_version)
    return boto3.client(service, endpoint_url=EDGE, region_name=REGION, aws_access_key_id=ACCESS_KEY_ID,
                        aws_secret_access_key="fake-secret", aws_session_token="fake-token", config=config)


def signed_request(service: str, operation: str, *, signed: bool = True, **params) -> SignedRequest:
    """The request `client.<operation>(**params)` would send to the edge."""
    client = aws_client(service, signed=signed)

    def keep(request, **_):
        raise _NotSent(_as_sent(request))

    client.meta.events.register_first("before-send", keep)
    try:
        getattr(client, operation)(**params)
    except _NotSent as caught:
        return caught.request
    raise AssertionError(f"{service}.{operation} sent nothing")


def answered(service: str, operation: str, answer: Callable[[SignedRequest], tuple[int, dict, bytes]], **params):
    """Call `client.<operation>(**params)` with `answer(request)` as the edge's response: the client's result,
    or the ClientError it raises."""
    client = aws_client(service)

    def respond(request, **_):
        status, headers, body = answer(_as_sent(request))
        return AWSResponse(request.url, status, headers, _Raw(body))

    client.meta.events.register_first("before-send", respond)
    return getattr(client, operation)(**params)


def _as_sent(request) -> SignedRequest:
    url = urlsplit(request.url)
    headers = {name: value.decode() if isinstance(value, bytes) else value for name, value in request.headers.items()}
    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    return SignedRequest(request.method, url.path, parse_qs(url.query, keep_blank_values=True), headers,
                         body.encode() if isinstance(body, str) else body)


class _Raw:
    """The little of urllib3's response that botocore reads."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        yield self._body
