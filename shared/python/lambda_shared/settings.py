"""Configuration enters through serverless.yml `environment:` and is checked once, at cold start.

A handler module declares what it needs at import time; a missing or malformed variable fails the container loudly
(Runtime.ImportModuleError names it) instead of failing deep inside a request.
"""
import os
from urllib.parse import urlparse


class MissingSetting(RuntimeError):
    pass


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise MissingSetting(f"environment variable {name} is not set (check serverless.yml and env.json)")
    return value


def required_int(name: str, minimum: int = 1) -> int:
    raw = required(name)
    try:
        value = int(raw)
    except ValueError:
        raise MissingSetting(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise MissingSetting(f"environment variable {name} must be at least {minimum}, got {value}")
    return value


def required_url(name: str) -> str:
    value = required(name)
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise MissingSetting(f"environment variable {name} must be an http(s) URL, got {value!r}; "
                             "deploy the service that provides it first (make deploy records its outputs)")
    return value.rstrip("/")
