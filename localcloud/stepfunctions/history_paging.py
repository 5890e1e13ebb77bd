"""GetExecutionHistory in pages, as AWS answers it.

The gap: moto answers every event at once, oldest first, whatever maxResults, reverseOrder and nextToken say, so
the AWS CLI's and boto3's paginators get one page in the wrong order and a client asking for the latest event
(`reverseOrder=True, maxResults=1`, how a poller reads an execution's last step) gets the first. AWS gives at most
maxResults events (default and limit 1000), newest first when asked, and a nextToken while more remain.
"""
import base64
import json

MAX_RESULTS = 1000


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        from moto.stepfunctions.exceptions import InvalidToken
        raise InvalidToken("Invalid Token: 'Invalid token'")


def page_execution_history() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    original = StepFunctionResponse.get_execution_history
    if getattr(original, "_localcloud_fix", False):
        return

    def get_execution_history(self):
        history = self.stepfunction_backend.get_execution_history(self._get_param("executionArn"))
        events = list(history.get("events", []))
        if self._get_param("reverseOrder"):
            events.reverse()
        limit = self._get_int_param("maxResults") or MAX_RESULTS
        start = _offset(self._get_param("nextToken"))
        page = {**history, "events": events[start:start + limit]}
        if start + limit < len(events):
            page["nextToken"] = _token(start + limit)
        return ActionResult(page)

    get_execution_history._localcloud_fix = True
    get_execution_history.__wrapped__ = original
    StepFunctionResponse.get_execution_history = get_execution_history
