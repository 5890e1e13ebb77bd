"""The rehearsal's api-urls adapter (deploy_rehearsal/ministack_adapter.py): an AWS-shaped API URL in ministack's form."""
import importlib.util
from pathlib import Path

_path = Path(__file__).resolve().parents[2] / "deploy_rehearsal" / "ministack_adapter.py"
_spec = importlib.util.spec_from_file_location("ministack_adapter", _path)
adapter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(adapter)   # stdlib only at import: ministack is imported inside its functions


def test_an_aws_api_url_maps_to_the_emulators_execute_api_path():
    url = "https://cf208871.execute-api.us-east-1.amazonaws.com/rehearsal/approvals/a1?action=approve&sig=x"
    assert adapter.emulator_api_url(url, "4600") == \
        "http://127.0.0.1:4600/_aws/execute-api/cf208871/rehearsal/approvals/a1?action=approve&sig=x"


def test_other_values_are_left_as_they_are():
    for value in ("approver@example.com", "https://example.com/double", "arn:aws:lambda:us-east-1:0:function:f"):
        assert adapter.emulator_api_url(value, "4600") == value
