"""HTTP client of the third-party double API. Errors are named for the state machine's Retry and Catch."""
import json
import urllib.error
import urllib.request


class ThirdPartyUnavailable(Exception):
    """Transient: connection refused, timeout, 429 or 5xx. The state machine retries with backoff."""


class ThirdPartyRejectedRequest(Exception):
    """Permanent: the API answered 4xx. Retrying the same request cannot help."""


class DoubleApi:
    def __init__(self, url: str, timeout: float = 5.0):
        self._url = url
        self._timeout = timeout

    def request_double(self, number, task_token: str) -> None:
        body = json.dumps({"number": number, "taskToken": task_token}).encode()
        request = urllib.request.Request(self._url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
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
