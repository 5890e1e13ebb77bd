"""The third party's business: double numbers below the limit, refuse the others by name."""
import pytest

from third_party_api.logic.doubling import TOO_BIG, Doubled, Refused, double

LIMIT = 500


@pytest.mark.parametrize("number, doubled", [(499.99, 999.98), (499, 998), (0, 0), (-250, -500), (0.5, 1.0),
                                             (-1e6, -2e6)])
def test_given_a_number_below_the_limit_when_it_is_doubled_then_the_result_is_twice_it(number, doubled):
    assert double(number, LIMIT) == Doubled(pytest.approx(doubled))


@pytest.mark.parametrize("number", [500, 500.0, 500.0000001, 10**20, float("inf")])
def test_given_a_number_at_or_above_the_limit_when_it_is_doubled_then_it_is_refused_as_too_big(number):
    outcome = double(number, LIMIT)

    assert isinstance(outcome, Refused)
    assert outcome.error == TOO_BIG == "NumberIsTooBig"
    assert "below 500" in outcome.cause and str(number) in outcome.cause


@pytest.mark.parametrize("value", [True, False, "21", None, [21], {"n": 21}])
def test_given_something_that_is_not_a_number_when_it_is_doubled_then_type_error(value):
    with pytest.raises(TypeError, match="number must be a number"):
        double(value, LIMIT)


def test_given_a_number_whose_double_overflows_then_it_is_refused_as_out_of_range():
    from third_party_api.logic.doubling import OUT_OF_RANGE, Refused, double
    outcome = double(-1.7e308, 500)
    assert isinstance(outcome, Refused) and outcome.error == OUT_OF_RANGE
