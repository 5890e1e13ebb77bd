"""API Gateway (REST, Lambda proxy) request parsing and responses."""
import base64
import json
from typing import Any
from urllib.parse import parse_qs


class BadRequest(ValueError):
    """The caller sent something we refuse; the message is safe to show them."""


def json_response(status: int, body: Any, headers: dict | None = None) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def error_response(status: int, message: str, details: dict | None = None) -> dict:
    """Every API of the repo answers an error as {"message": ...}, like API Gateway's own errors."""
    return json_response(status, {"message": message, **(details or {})})


def html_response(status: int, html: str) -> dict:
    return {
        "statusCode": status,
        # The pages carry signed links: keep them out of caches and referrers, and out of frames.
        "headers": {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        },
        "body": html,
    }


def raw_body(event: dict) -> str:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    return body


def _not_a_json_number(name: str):
    # Python's json accepts NaN and Infinity, which JSON does not: refused here, they would reach Step Functions as
    # invalid JSON output.
    raise BadRequest(f"body is not valid JSON: {name} is not a JSON number")


def json_body(event: dict) -> dict:
    try:
        body = json.loads(raw_body(event) or "null", parse_constant=_not_a_json_number)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body is not valid JSON: {exc.msg}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def form_body(event: dict) -> dict[str, str]:
    """An HTML form POST (application/x-www-form-urlencoded); a repeated field keeps its first value."""
    return {key: values[0] for key, values in parse_qs(raw_body(event), keep_blank_values=True).items()}


def path_param(event: dict, name: str) -> str:
    value = (event.get("pathParameters") or {}).get(name)
    if not value:
        raise BadRequest(f"missing path parameter {name}")
    return value


def header(event: dict, name: str) -> str | None:
    """A request header by name, whatever its case (HTTP header names are case-insensitive; the event keeps the
    client's spelling)."""
    wanted = name.lower()
    return next((value for key, value in (event.get("headers") or {}).items() if key.lower() == wanted), None)


def query_param(event: dict, name: str) -> str:
    return (event.get("queryStringParameters") or {}).get(name) or ""
