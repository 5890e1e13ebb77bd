"""Calculate step of the approval workflow."""


def is_number(value) -> bool:
    # JSON booleans arrive as Python bools, which are ints: they are not numbers here.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def calculate(x, y) -> dict:
    if not (is_number(x) and is_number(y)):
        raise TypeError("x and y must both be numbers")
    return {"x": x, "y": y, "sum": x + y}


class NotTwoNumbers(ValueError):
    pass


def check_request(body: dict) -> dict:
    """POST /calculate's body: exactly two numbers, as schemas/calculate-request.json says. API Gateway checks the
    content types it has a model for; this catches a body sent under any other."""
    if set(body) != {"x", "y"} or not (is_number(body["x"]) and is_number(body["y"])):
        raise NotTwoNumbers("the body must be exactly {\"x\": number, \"y\": number}")
    return {"x": body["x"], "y": body["y"]}
