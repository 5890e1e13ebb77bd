"""The third party's whole business: double a number, refuse the ones at or above its limit."""
import math
from dataclasses import dataclass

TOO_BIG = "NumberIsTooBig"
OUT_OF_RANGE = "NumberOutOfRange"


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
    doubled = number * 2
    if not math.isfinite(doubled):   # -1e308 doubles to -inf, which no JSON document can carry
        return Refused(OUT_OF_RANGE, f"{number} doubled is not a finite number")
    return Doubled(doubled)
