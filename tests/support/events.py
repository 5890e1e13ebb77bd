"""The events Lambda receives, kept as JSON files in tests/events/ and loaded by this one helper."""
import base64
import copy
import json
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

EVENTS_DIR = Path(__file__).resolve().parents[1] / "events"


@cache
def _read(name: str) -> dict:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def load_event(name: str, **overrides) -> dict:
    """A fresh copy of tests/events/<name>.json with top-level keys replaced (body=..., pathParameters=...)."""
    event = copy.deepcopy(_read(name))
    event.update(copy.deepcopy(overrides))
    return event


def approval_event(name: str, approval_id: str, action: str | None = None, sig: str | None = None) -> dict:
    """An API Gateway event for an approval route: id in the path, action and sig in the query string or body.

    GET routes carry action/sig in the query string (as the emailed link does); the page's POST carries them as a
    form, and the JSON API's POST as a JSON object.
    """
    event = load_event(name)
    event["pathParameters"] = {"approvalId": approval_id}
    event["path"] = event["resource"].replace("{approvalId}", approval_id)
    fields = {k: v for k, v in (("action", action), ("sig", sig)) if v is not None}
    if event["httpMethod"] == "GET":
        event["queryStringParameters"] = fields or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in fields.items()} or None
    elif "x-www-form-urlencoded" in event["headers"].get("Content-Type", ""):
        event["body"] = urlencode(fields)
    else:
        event["body"] = json.dumps(fields)
    return event


def with_body(event: dict, body: str | None, *, base64_encoded: bool = False) -> dict:
    event = copy.deepcopy(event)
    if base64_encoded and body is not None:
        body = base64.b64encode(body.encode()).decode()
    event["body"], event["isBase64Encoded"] = body, base64_encoded
    return event


def with_json_body(event: dict, payload) -> dict:
    return with_body(event, json.dumps(payload))
