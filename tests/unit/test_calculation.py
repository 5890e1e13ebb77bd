"""The Calculate step: x + y for two numbers, nothing else."""
import pytest

from orchestrator.logic.calculation import calculate, is_number


@pytest.mark.parametrize("x, y, total", [(125, 122, 247), (-5, 3, -2), (0, 0, 0), (10**30, 1, 10**30 + 1)])
def test_given_two_integers_when_they_are_calculated_then_the_sum_is_exact(x, y, total):
    assert calculate(x, y) == {"x": x, "y": y, "sum": total}


def test_given_floats_when_they_are_calculated_then_the_sum_is_their_float_sum():
    assert calculate(1.5, -0.25)["sum"] == 1.25
    assert calculate(0.1, 0.2)["sum"] == pytest.approx(0.3)


@pytest.mark.parametrize("x, y", [(True, 1), (1, False), ("1", 2), (None, 2), (1, [2]), (1, {"v": 2})])
def test_given_something_that_is_not_a_number_when_it_is_calculated_then_type_error(x, y):
    with pytest.raises(TypeError, match="x and y must both be numbers"):
        calculate(x, y)


def test_when_json_values_are_classified_then_only_ints_and_floats_are_numbers():
    assert is_number(3) and is_number(-2.5)
    assert not is_number(True) and not is_number("3") and not is_number(None)
