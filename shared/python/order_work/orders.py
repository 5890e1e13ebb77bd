"""Preparing an order, and reading the queue message that carries it: plain Python, no AWS."""
import json
from dataclasses import dataclass

MAX_QUANTITY = 100


class PoisonMessage(ValueError):
    """A message nobody can act on (not JSON, no task token): it goes back and, after maxReceiveCount, to the DLQ."""


class OrderRejected(Exception):
    """The order cannot be prepared; reported to Step Functions with SendTaskFailure under this name."""


@dataclass(frozen=True)
class OrderTask:
    task_token: str
    order_id: str
    item: str
    quantity: int
    work_seconds: int = 0


def parse_message(body: str) -> OrderTask:
    """The SQS message of the callback state machine: {"orderId", "order", "TaskToken"}."""
    try:
        message = json.loads(body)
    except (TypeError, ValueError):
        raise PoisonMessage("the message body is not JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("TaskToken"), str) or not message["TaskToken"]:
        raise PoisonMessage("the message carries no task token")
    return _order_task(message, message["TaskToken"])


def parse_activity_input(task_input: str, task_token: str) -> OrderTask:
    """The input of an activity task (GetActivityTask's `input`): {"orderId", "order"}; the token comes beside it."""
    try:
        message = json.loads(task_input or "{}")
    except (TypeError, ValueError):
        raise PoisonMessage("the activity input is not JSON") from None
    if not isinstance(message, dict):
        raise PoisonMessage("the activity input is not a JSON object")
    return _order_task(message, task_token)


def _order_task(message: dict, task_token: str) -> OrderTask:
    order = message.get("order") if isinstance(message.get("order"), dict) else {}
    quantity, work = order.get("quantity"), order.get("workSeconds", 0)
    return OrderTask(task_token=task_token, order_id=str(message.get("orderId", "")),
                     item=str(order.get("item", "")), quantity=quantity if isinstance(quantity, int) else 0,
                     work_seconds=work if isinstance(work, int) and 0 <= work <= 15 else 0)


def prepare(task: OrderTask) -> dict:
    """The work: check the order and price it. Raises OrderRejected for an order that cannot be prepared."""
    if not task.item:
        raise OrderRejected("the order names no item")
    if not 1 <= task.quantity <= MAX_QUANTITY:
        raise OrderRejected(f"quantity must be between 1 and {MAX_QUANTITY}, got {task.quantity}")
    return {"orderId": task.order_id, "item": task.item, "quantity": task.quantity, "prepared": True}
