"""lambda_shared.settings: a missing or malformed variable fails loudly, naming itself."""
import pytest

from lambda_shared import settings
from lambda_shared.settings import MissingSetting


def test_given_a_set_variable_when_it_is_required_then_its_trimmed_value_is_returned(monkeypatch):
    monkeypatch.setenv("APPROVALS_TABLE", "  waitflows-approval-dev-approvals ")

    assert settings.required("APPROVALS_TABLE") == "waitflows-approval-dev-approvals"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_given_a_missing_or_blank_variable_when_it_is_required_then_missing_setting_names_it(monkeypatch, value):
    monkeypatch.delenv("SENDER_EMAIL", raising=False)
    if value is not None:
        monkeypatch.setenv("SENDER_EMAIL", value)

    with pytest.raises(MissingSetting, match="SENDER_EMAIL is not set"):
        settings.required("SENDER_EMAIL")


def test_given_an_integer_when_an_int_is_required_then_it_is_returned(monkeypatch):
    monkeypatch.setenv("DOUBLE_LIMIT", "500")

    assert settings.required_int("DOUBLE_LIMIT") == 500


@pytest.mark.parametrize("value, message", [("five hundred", "must be an integer"), ("1.5", "must be an integer"),
                                            ("0", "must be at least 1"), ("-3", "must be at least 1")])
def test_given_a_bad_integer_when_an_int_is_required_then_missing_setting_names_the_variable(
        monkeypatch, value, message):
    monkeypatch.setenv("DOUBLE_LIMIT", value)

    with pytest.raises(MissingSetting, match=f"DOUBLE_LIMIT {message}"):
        settings.required_int("DOUBLE_LIMIT")


def test_given_a_minimum_when_an_int_is_required_then_it_is_enforced(monkeypatch):
    monkeypatch.setenv("WORKERS", "0")

    assert settings.required_int("WORKERS", minimum=0) == 0
    with pytest.raises(MissingSetting, match="WORKERS must be at least 1"):
        settings.required_int("WORKERS")


@pytest.mark.parametrize("value, expected", [("https://abc.execute-api.us-east-1.amazonaws.com/dev/",
                                              "https://abc.execute-api.us-east-1.amazonaws.com/dev"),
                                             ("http://127.0.0.1:3000/approval", "http://127.0.0.1:3000/approval")])
def test_given_an_http_url_when_a_url_is_required_then_it_is_returned_without_a_trailing_slash(
        monkeypatch, value, expected):
    monkeypatch.setenv("APPROVAL_BASE_URL", value)

    assert settings.required_url("APPROVAL_BASE_URL") == expected


@pytest.mark.parametrize("value", ["not-deployed", "ftp://host/x", "https://", "/relative/path"])
def test_given_something_that_is_not_an_http_url_when_a_url_is_required_then_missing_setting_names_it(
        monkeypatch, value):
    monkeypatch.setenv("DOUBLE_URL", value)

    with pytest.raises(MissingSetting, match="DOUBLE_URL must be an http\\(s\\) URL"):
        settings.required_url("DOUBLE_URL")
