"""An edit is live without a restart, and it is live the way it deploys: repackaged by osls, run from the zip."""
import json
import time

import pytest

from tests.parity.conftest import edit


def invoke(cloud, function: str, event: dict) -> dict:
    answer = cloud.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
    return json.loads(answer["Payload"].read())


def test_a_saved_edit_of_a_handlers_code_is_what_the_next_invocations_run(cloud_with, tmp_path):
    function = "waitflows-orchestrator-local-calculate"
    with cloud_with(lambda repo: None, services="orchestrator") as cloud:
        assert invoke(cloud, function, {"x": 1, "y": 2}) == {"x": 1, "y": 2, "sum": 3}

        edit(tmp_path / "repo/services/orchestrator/orchestrator/logic/calculation.py",
             '"sum": x + y}', '"sum": x + y, "edited": True}')

        deadline = time.monotonic() + 30
        while (answer := invoke(cloud, function, {"x": 1, "y": 2})) .get("edited") is not True:
            if time.monotonic() > deadline:
                pytest.fail(f"the edit was not live within 30 s; last answer {answer}")
            time.sleep(0.2)
        cloud.wait_for_log_line("orchestrator: edit live in")
