"""What the third-party API does: double a number and answer the waiting task by callback, adapters passed in."""
from botocore.exceptions import ClientError

from lambda_shared.task_errors import error_code, task_gone
from third_party_api.logic.doubling import Refused, double


class TaskGone(Exception):
    """The task ended (timed out, stopped) or the token is not one: permanent, the caller must not retry."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def answer_double(number: float, task_token: str, *, limit: float, callbacks) -> dict:
    """SendTaskSuccess with the double, or SendTaskFailure with the refusal's name (NumberIsTooBig...)."""
    outcome = double(number, limit)
    try:
        if isinstance(outcome, Refused):
            callbacks.fail(task_token, outcome.error, outcome.cause)
            return {"status": "refused", "error": outcome.error}
        callbacks.succeed(task_token, {"doubled": outcome.doubled})
    except ClientError as exc:
        if task_gone(exc):
            raise TaskGone(error_code(exc)) from None
        raise
    return {"status": "doubled"}
