"""HTTP client of the third-party double API. Errors are named for the state machine's Retry and Catch.

POST /double is an aws_iam method: each request is signed with SigV4 (service execute-api) with the function's
own credentials, so API Gateway can check that the function's role may call it.
"""
import json
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


class ThirdPartyUnavailable(Exception):
    """Transient: connection refused, timeout, 429 or 5xx. The state machine retries with backoff."""


class ThirdPartyRejectedRequest(Exception):
    """Permanent: the API answered 4xx. Retrying the same request cannot help."""


class DoubleApi:
    """credentials: botocore credentials (the function's, refreshed by botocore as they rotate); region: where the
    API is, the signature's scope."""

    def __init__(self, url: str, *, credentials, region: str, timeout: float = 5.0):
        self._url = url
        self._credentials = credentials
        self._region = region
        self._timeout = timeout

    def request_double(self, number, task_token: str) -> None:
        body = json.dumps({"number": number, "taskToken": task_token}).encode()
        request = urllib.request.Request(self._url, data=body, method="POST",
                                         headers=self._signed_headers(body, {"Content-Type": "application/json"}))
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", errors="replace")
            if exc.code == 429 or exc.code >= 500:
                raise ThirdPartyUnavailable(f"double API answered {exc.code}: {detail}") from None
            raise ThirdPartyRejectedRequest(f"double API answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise ThirdPartyUnavailable(f"double API unreachable: {exc}") from None

    def _signed_headers(self, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        signed = AWSRequest(method="POST", url=self._url, data=body, headers=headers)
        SigV4Auth(self._credentials.get_frozen_credentials(), "execute-api", self._region).add_auth(signed)
        return dict(signed.headers.items())
