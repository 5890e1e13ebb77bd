"""Signed approval links.

A link names a pending approval by its random id and carries an HMAC over (id, action): it proves the link came from
us without the email ever holding the task token. Each action has its own signature, so an Approve link cannot be
turned into a Reject link (or the reverse) by editing the query string.
"""
import base64
import hashlib
import hmac
from urllib.parse import urlencode

ACTIONS = ("approve", "reject")


class InvalidAction(ValueError):
    pass


def signature(key: bytes, approval_id: str, action: str) -> str:
    if action not in ACTIONS:
        raise InvalidAction(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    digest = hmac.new(key, f"{approval_id}:{action}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def is_valid(key: bytes, approval_id: str, action: str, candidate: str) -> bool:
    if action not in ACTIONS or not candidate:
        return False
    # Bytes, not str: compare_digest raises TypeError on non-ASCII str, and a link's sig is whatever the caller sent.
    return hmac.compare_digest(signature(key, approval_id, action).encode(), candidate.encode("utf-8", "surrogatepass"))


def page_path(approval_id: str) -> str:
    return f"/approvals/{approval_id}"


def decision_link(base_url: str, key: bytes, approval_id: str, action: str) -> str:
    query = urlencode({"action": action, "sig": signature(key, approval_id, action)})
    return f"{base_url.rstrip('/')}{page_path(approval_id)}?{query}"
