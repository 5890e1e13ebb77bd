"""Step Functions' answers to a callback (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) for a task that no
longer waits: it was answered already, it timed out or was stopped, or the token is not one. Nothing to retry,
unlike throttling or a 5xx, which are worth another try. One definition for every caller, Lambdas and the activity
worker outside AWS alike (this module imports nothing but botocore's exception type).
"""
from botocore.exceptions import ClientError

TASK_GONE = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})
_THROTTLED = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"})


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def task_gone(exc: ClientError) -> bool:
    """Did Step Functions refuse the callback because the task no longer waits for one?"""
    return error_code(exc) in TASK_GONE


def worth_another_try(exc: ClientError) -> bool:
    """Throttling or a 5xx: the same call may succeed later (anything else will be refused again)."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return error_code(exc) in _THROTTLED or status >= 500
