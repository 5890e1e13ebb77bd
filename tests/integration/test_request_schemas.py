"""The request schemas in services/*/schemas/: the files serverless.yml hands API Gateway (a Draft 4 validator)."""
import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = {
    "calculate": REPO / "services/orchestrator/schemas/calculate-request.json",
    "double": REPO / "services/third-party-api/schemas/double-request.json",
    "decision": REPO / "services/approval/schemas/decision-request.json",
}


def validator(name: str) -> Draft4Validator:
    schema = json.loads(SCHEMAS[name].read_text())
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


@pytest.mark.parametrize("service, name, content_types", [
    ("orchestrator", "calculate", {"application/json", "application/x-www-form-urlencoded"}),
    ("third-party-api", "double", {"application/json"}),
    ("approval", "decision", {"application/json"}),
])
def test_given_serverless_yml_when_it_is_packaged_then_api_gateway_gets_exactly_the_schema_file(
        service_templates, service, name, content_types):
    template = service_templates[service]
    models = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Model"]

    assert {m["ContentType"] for m in models} == content_types
    assert all(m["Schema"] == json.loads(SCHEMAS[name].read_text()) for m in models)


CALCULATE_REFUSED = [
    pytest.param([125, 122], id="array-body"),
    pytest.param("x=125&y=122", id="string-body"),
    pytest.param(247, id="number-body"),
    pytest.param(None, id="null-body"),
    pytest.param({}, id="empty-object"),
    pytest.param({"y": 122}, id="missing-x"),
    pytest.param({"x": 125}, id="missing-y"),
    pytest.param({"x": 125, "y": 122, "z": 1}, id="extra-property"),
    pytest.param({"x": 125, "y": 122, "taskToken": "t"}, id="extra-token"),
    pytest.param({"x": "125", "y": 122}, id="x-string"),
    pytest.param({"x": 125, "y": "122"}, id="y-string"),
    pytest.param({"x": True, "y": 122}, id="x-boolean"),
    pytest.param({"x": 125, "y": False}, id="y-boolean"),
    pytest.param({"x": None, "y": 122}, id="x-null"),
    pytest.param({"x": 125, "y": None}, id="y-null"),
    pytest.param({"x": [125], "y": 122}, id="x-array"),
    pytest.param({"x": 125, "y": []}, id="y-array"),
    pytest.param({"x": {"v": 125}, "y": 122}, id="x-object"),
    pytest.param({"x": 125, "y": {}}, id="y-object"),
]


@pytest.mark.parametrize("body", CALCULATE_REFUSED)
def test_given_a_bad_calculate_body_when_api_gateway_validates_it_then_it_is_refused(body):
    assert not validator("calculate").is_valid(body)


@pytest.mark.parametrize("body", [
    {"x": 125, "y": 122},
    {"x": 1.5, "y": -2.25},
    {"x": -125, "y": 0},
    {"x": 1e3, "y": -0.0001},
])
def test_given_two_numbers_when_api_gateway_validates_the_calculate_body_then_it_is_accepted(body):
    assert validator("calculate").is_valid(body)


@pytest.mark.parametrize("body", [
    {"taskToken": "t"}, {"number": 1}, {"number": "1", "taskToken": "t"}, {"number": True, "taskToken": "t"},
    {"number": None, "taskToken": "t"}, {"number": 1, "taskToken": ""}, {"number": 1, "taskToken": 5},
    {"number": 1, "taskToken": "t", "extra": 1}, [1, "t"],
])
def test_given_a_bad_double_body_when_api_gateway_validates_it_then_it_is_refused(body):
    assert not validator("double").is_valid(body)


@pytest.mark.parametrize("body", [{"number": 247, "taskToken": "t"}, {"number": -0.5, "taskToken": "t" * 8192}])
def test_given_a_number_and_a_token_when_api_gateway_validates_the_double_body_then_it_is_accepted(body):
    assert validator("double").is_valid(body)


@pytest.mark.parametrize("body", [
    {"action": "approve"}, {"sig": "s"}, {"action": "maybe", "sig": "s"}, {"action": "approve", "sig": ""},
    {"action": "approve", "sig": "s" * 129}, {"action": "approve", "sig": "s", "taskToken": "t"}, "approve",
])
def test_given_a_bad_decision_body_when_api_gateway_validates_it_then_it_is_refused(body):
    assert not validator("decision").is_valid(body)


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_given_an_action_and_a_signature_when_api_gateway_validates_the_decision_then_it_is_accepted(action):
    assert validator("decision").is_valid({"action": action, "sig": "s" * 43})
