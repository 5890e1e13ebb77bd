"""The work an activity task asks for: plain Python, no AWS (the same order rules as the queue consumer)."""
MAX_QUANTITY = 100


class OrderRejected(Exception):
    """Reported with SendTaskFailure under this name, which the state machine catches."""


def prepare(task_input: dict) -> tuple[dict, int]:
    """The prepared order, and how many seconds preparing it takes (the order's workSeconds)."""
    order = task_input.get("order") if isinstance(task_input.get("order"), dict) else {}
    item, quantity, work = order.get("item"), order.get("quantity"), order.get("workSeconds", 0)
    if not isinstance(item, str) or not item:
        raise OrderRejected("the order names no item")
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise OrderRejected(f"quantity must be between 1 and {MAX_QUANTITY}, got {quantity!r}")
    seconds = work if isinstance(work, int) and 0 <= work <= 15 else 0
    return {"orderId": task_input.get("orderId"), "item": item, "quantity": quantity, "prepared": True}, seconds
