"""`Idempotency-Key` on POST routes: powertools' idempotency utility over the service's own DynamoDB table.

A request with a key runs once: the same key with the same body answers what the first request answered, without
doing the work again (until the record expires); the same key with another body is refused, and so is a second request
while the first still runs. A request without a key runs as before. The answers follow the IETF draft "The
Idempotency-Key HTTP Header Field" (draft-ietf-httpapi-idempotency-key-header): 422 for a key reused with another
payload, 409 while the first request is being processed, 400 for a malformed key.
"""
from typing import Any, Callable

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, \
    idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError, \
    IdempotencyValidationError

from lambda_shared import aws
from lambda_shared.http import BadRequest, error_response, header

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255          # Stripe's limit; the draft sets none
REMEMBERED_SECONDS = 24 * 3600


class Refused(Exception):
    """A keyed request that must not run: answer it with response()."""
    status = 409
    retry_after: str | None = None

    def response(self) -> dict:
        answer = error_response(self.status, str(self))
        if self.retry_after:
            answer["headers"]["Retry-After"] = self.retry_after
        return answer


class KeyReusedWithAnotherBody(Refused):
    status = 422


class StillRunning(Refused):
    retry_after = "1"


def idempotency_key(event: dict) -> str | None:
    """The request's Idempotency-Key, None without one; a malformed one is the caller's error."""
    key = header(event, HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters")
    return key


class IdempotentRequests:
    """One route's keyed requests in one table (key_prefix keeps the routes of a table apart)."""

    def __init__(self, table_name: str, route: str, *, dynamodb_client=None,
                 remembered_seconds: int = REMEMBERED_SECONDS):
        self._table_name, self._route, self._client = table_name, route, dynamodb_client
        # The key alone names the record; the body is what a reuse of the key must match.
        self._config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="body",
                                         expires_after_seconds=remembered_seconds)
        self._once = None

    def run(self, key: str | None, body: dict, context, action: Callable[[dict], Any]) -> Any:
        """action(body) once per key; its JSON-serialisable answer is what a retry with the key gets back."""
        if key is None:
            return action(body)
        # The in-progress record expires with this invocation, so a request that dies mid-way can be retried.
        self._config.register_lambda_context(context)
        try:
            return self._run_once(request={"key": key, "body": body}, action=action)
        except IdempotencyValidationError:
            raise KeyReusedWithAnotherBody(f"this {HEADER} was used with another request body") from None
        except IdempotencyAlreadyInProgressError:
            raise StillRunning(f"a request with this {HEADER} is still being processed") from None

    @property
    def _run_once(self):
        if self._once is None:
            store = DynamoDBPersistenceLayer(table_name=self._table_name,
                                             boto3_client=self._client or aws.client("dynamodb"))
            self._once = idempotent_function(_perform, data_keyword_argument="request", persistence_store=store,
                                             config=self._config, key_prefix=self._route)
        return self._once


def _perform(request: dict, action: Callable[[dict], Any]) -> Any:
    return action(request["body"])
