"""Calculate step of the approval workflow."""


def is_number(value) -> bool:
    # JSON booleans arrive as Python bools, which are ints: they are not numbers here.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def calculate(x, y) -> dict:
    if not (is_number(x) and is_number(y)):
        raise TypeError("x and y must both be numbers")
    return {"x": x, "y": y, "sum": x + y}
