"""The Lambda runtime's fault hook (localcloud/lambda_/runtime.py `inject`): an invocation cut on purpose fails as
Lambda reports a crashed sandbox or a timed-out one, and the next invocation gets a fresh worker."""
import json
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from localcloud.faults.rules import FaultRule, FaultRules  # noqa: E402
from localcloud.lambda_.runtime import FunctionSpec, LambdaRuntime  # noqa: E402

pytestmark = pytest.mark.timeout(60)
SERVICE = Path(__file__).parent / "fixtures" / "fake_service"


@pytest.fixture
def runtime_with_rules():
    rules = FaultRules()
    spec = FunctionSpec(name="counter", handler="handlers/basic.counter", code_dir=SERVICE, opt_dir=None,
                        environment={}, timeout=3, service="fake_service")
    runtime = LambdaRuntime([spec], runtime_dir=REPO_ROOT / ".lambda-runtime", log_sink=lambda name, line: None)
    runtime.inject = lambda name: rules.take(lambda rule: rule.applies_to_invocation(name))
    yield runtime, rules
    runtime.close()


def invoke(runtime):
    result = runtime.invoke("counter", b"{}")
    return result, json.loads(result.payload)


def test_a_killed_worker_fails_the_invocation_with_runtime_exit_error_and_the_next_one_runs(runtime_with_rules):
    runtime, rules = runtime_with_rules
    invoke(runtime)                                  # warm: the kill hits a running sandbox, not a cold start
    rules.add(FaultRule.from_request({"kind": "lambda-kill", "function": "count", "count": 1}))

    result, error = invoke(runtime)

    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"] == "Runtime exited with error: signal: killed"
    after, body = invoke(runtime)
    assert after.function_error is None and body["count"] == 1     # a fresh sandbox: its module state is new


def test_a_forced_timeout_fails_as_the_function_running_past_its_timeout(runtime_with_rules):
    runtime, rules = runtime_with_rules
    rules.add(FaultRule.from_request({"kind": "lambda-timeout", "function": "counter", "after_ms": 50, "count": 1}))

    result, error = invoke(runtime)

    assert result.function_error == "Unhandled"
    assert error == {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 3.00 seconds",
                     "requestId": result.request_id, "stackTrace": []}
    assert invoke(runtime)[0].function_error is None
