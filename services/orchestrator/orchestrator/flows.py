"""What the orchestrator's Lambdas do, one function per task of the approval workflow; adapters passed in."""
from lambda_shared.observability import logger
from lambda_shared.tokens import token_fingerprint
from orchestrator.logic.calculation import calculate as add, check_request


def start_workflow(body: dict, *, workflows) -> dict:
    """POST /calculate: start the approval workflow with the two numbers; the answer is StartExecution's."""
    started = workflows.start(check_request(body))
    logger.info("approval workflow started", extra={"executionArn": started["executionArn"]})
    return started


def calculate(payload: dict) -> dict:
    """The Calculate task: sum = x + y."""
    return add(payload.get("x"), payload.get("y"))


def request_double(payload: dict, *, api) -> dict:
    """The Double task (waitForTaskToken): hand the sum and the task token to the third-party API, which answers
    later by callback. Its errors are named so the state machine retries ThirdPartyUnavailable and fails at once on
    ThirdPartyRejectedRequest."""
    token = payload["taskToken"]
    logger.info("requesting double", extra={"number": payload["number"], "task": token_fingerprint(token)})
    api.request_double(payload["number"], token)
    return {"requested": True}
