"""lambda_shared.http: parsing API Gateway proxy events and shaping responses."""
import base64
import json

import pytest

from lambda_shared.http import (BadRequest, form_body, header, html_response, json_body, json_response, path_param,
                                query_param, raw_body)


def event(body, *, encoded=False, **extra):
    if encoded and body is not None:
        body = base64.b64encode(body.encode()).decode()
    return {"body": body, "isBase64Encoded": encoded, **extra}


def test_given_a_json_object_when_it_is_read_then_it_is_returned():
    assert json_body(event('{"number": 21, "taskToken": "t"}')) == {"number": 21, "taskToken": "t"}


def test_given_a_base64_json_body_when_it_is_read_then_it_is_decoded_first():
    assert json_body(event('{"x": 1}', encoded=True)) == {"x": 1}


@pytest.mark.parametrize("body, message", [
    ("{not json", "body is not valid JSON"),
    ('{"a": 1', "body is not valid JSON"),
    ('{"n": NaN}', "NaN is not a JSON number"),
    ('{"n": Infinity}', "Infinity is not a JSON number"),
    ('{"n": -Infinity}', "-Infinity is not a JSON number"),
    ("[]", "body must be a JSON object"),
    ('"text"', "body must be a JSON object"),
    ("42", "body must be a JSON object"),
    ("null", "body must be a JSON object"),
    ("", "body must be a JSON object"),
    (None, "body must be a JSON object"),
])
def test_given_a_body_that_is_not_a_json_object_when_it_is_read_then_bad_request_says_why(body, message):
    with pytest.raises(BadRequest, match=message):
        json_body(event(body))


def test_given_a_form_post_when_it_is_read_then_fields_are_decoded_and_a_repeated_field_keeps_its_first_value():
    form = form_body(event("action=approve&sig=a%2Bb%3D&sig=second&empty="))

    assert form == {"action": "approve", "sig": "a+b=", "empty": ""}


def test_given_a_base64_form_post_when_it_is_read_then_it_is_decoded_first():
    assert form_body(event("action=reject&sig=xyz", encoded=True)) == {"action": "reject", "sig": "xyz"}


def test_given_no_body_when_it_is_read_then_it_is_empty():
    assert raw_body({}) == "" and form_body({"body": None}) == {}


def test_given_path_and_query_parameters_when_they_are_read_then_missing_ones_are_handled():
    e = {"pathParameters": {"approvalId": "abc"}, "queryStringParameters": {"action": "approve"}}

    assert path_param(e, "approvalId") == "abc"
    assert query_param(e, "action") == "approve"
    assert query_param(e, "sig") == "" and query_param({"queryStringParameters": None}, "sig") == ""
    with pytest.raises(BadRequest, match="approvalId"):
        path_param({"pathParameters": None}, "approvalId")


def test_when_a_json_response_is_made_then_it_has_the_status_a_json_body_and_extra_headers():
    response = json_response(409, {"message": "no"}, headers={"X-Extra": "1"})

    assert response["statusCode"] == 409
    assert json.loads(response["body"]) == {"message": "no"}
    assert response["headers"] == {"Content-Type": "application/json", "X-Extra": "1"}


def test_when_an_html_response_is_made_then_it_is_kept_out_of_caches_referrers_and_frames():
    response = html_response(200, "<p>hi</p>")

    assert response["body"] == "<p>hi</p>"
    assert response["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert response["headers"]["Cache-Control"] == "no-store"
    assert response["headers"]["Referrer-Policy"] == "no-referrer"
    assert response["headers"]["X-Frame-Options"] == "DENY"


def test_a_header_is_found_whatever_the_case_the_client_spelled_it_in():
    assert header({"headers": {"idempotency-KEY": "k1"}}, "Idempotency-Key") == "k1"
    assert header({"headers": None}, "Idempotency-Key") is None
