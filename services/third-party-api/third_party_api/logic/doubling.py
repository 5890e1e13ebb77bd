"""The third party's whole business: double a number, refuse the ones at or above its limit."""
from dataclasses import dataclass

TOO_BIG = "NumberIsTooBig"


@dataclass(frozen=True)
class Doubled:
    doubled: float


@dataclass(frozen=True)
class Refused:
    error: str
    cause: str


def double(number: float, limit: float) -> Doubled | Refused:
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise TypeError(f"number must be a number, got {type(number).__name__}")
    if number >= limit:
        return Refused(TOO_BIG, f"{number} is too big: this API doubles only numbers below {limit}")
    return Doubled(number * 2)
