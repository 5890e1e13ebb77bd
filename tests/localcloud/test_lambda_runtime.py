import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from localcloud.lambda_.async_invocations import AsyncConfig  # noqa: E402
from localcloud.lambda_.runtime import FunctionNotFound, FunctionSpec, LambdaRuntime, Throttled  # noqa: E402

pytestmark = pytest.mark.timeout(60)

FIXTURES = Path(__file__).parent / "fixtures"
SERVICE = FIXTURES / "fake_service"
OPT = FIXTURES / "fake_layer"          # a layer as AWS extracts it under /opt: python/ holds its modules
RUNTIME_LIBRARIES = REPO_ROOT / ".lambda-runtime"


def spec(name, handler=None, *, timeout=10.0, environment=None, code_dir=SERVICE, tracing=False):
    return FunctionSpec(
        name=name,
        handler=handler or f"handlers/basic.{name}",
        code_dir=code_dir,
        opt_dir=OPT,
        environment=environment or {},
        timeout=timeout,
        service="fake_service",
        tracing=tracing,
    )


@pytest.fixture
def make_runtime():
    runtimes = []

    def make(*specs, **kwargs):
        kwargs.setdefault("log_sink", lambda name, line: None)
        kwargs.setdefault("runtime_dir", RUNTIME_LIBRARIES)
        runtime = LambdaRuntime(specs, **kwargs)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.close()


def call(runtime, name, event=None):
    result = runtime.invoke(name, json.dumps(event or {}).encode())
    return result, json.loads(result.payload)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # an orphaned grandchild may linger as a zombie if nothing reaps it
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return True


def worker_children():
    """Live lambda_worker processes whose parent is this test process (Linux only)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and b"lambda_/bootstrap.py" in cmdline:
            found.append(int(stat.parent.name))
    return found


def test_warm_worker_keeps_module_state(make_runtime):
    runtime = make_runtime(spec("counter"))
    results = [call(runtime, "counter")[1] for _ in range(3)]
    assert [r["count"] for r in results] == [1, 2, 3]
    assert len({r["pid"] for r in results}) == 1


def test_busy_worker_makes_the_pool_grow(make_runtime):
    runtime = make_runtime(spec("sleeper"), grow_after=0)
    with ThreadPoolExecutor(2) as pool:
        pids = list(pool.map(lambda _: call(runtime, "sleeper", {"seconds": 0.5})[1]["pid"], range(2)))
    assert pids[0] != pids[1]
    assert call(runtime, "sleeper")[1]["pid"] in pids


def test_a_burst_waits_for_a_busy_worker_before_a_cold_start(make_runtime):
    # Given a pool that grows only when no worker frees up within 30 s (longer than the calls last)
    runtime = make_runtime(spec("sleeper"), grow_after=30)
    # When three calls arrive at once
    with ThreadPoolExecutor(3) as pool:
        pids = set(pool.map(lambda _: call(runtime, "sleeper", {"seconds": 0.2})[1]["pid"], range(3)))
    # Then the one warm worker served them in turn: no cold start
    assert len(pids) == 1


def test_max_concurrency_makes_invocations_wait(make_runtime):
    runtime = make_runtime(spec("sleeper"), max_concurrency=1)
    with ThreadPoolExecutor(3) as pool:
        pids = set(pool.map(lambda _: call(runtime, "sleeper", {"seconds": 0.2})[1]["pid"], range(3)))
    assert len(pids) == 1


def test_a_call_does_not_overtake_calls_already_waiting(make_runtime):
    """First come, first served: under a burst the oldest call must not starve behind newer ones."""
    runtime = make_runtime(spec("sleeper"), max_concurrency=1)
    call(runtime, "sleeper", {"seconds": 0})          # one warm worker, now idle
    pool = runtime._pools["sleeper"]
    earlier = object()                                 # a call that was already waiting
    with pool.cond:
        pool.waiting.append(earlier)
    done = threading.Event()
    later = threading.Thread(target=lambda: (call(runtime, "sleeper", {"seconds": 0}), done.set()))
    later.start()
    # Given an idle worker, the newer call still waits for its turn...
    assert not done.wait(0.5)
    with pool.cond:
        pool.waiting.remove(earlier)
        pool.cond.notify_all()
    # ...and takes the worker once the earlier one has gone.
    assert done.wait(10)
    later.join()


def test_handler_exception(make_runtime):
    runtime = make_runtime(spec("failing"), spec("counter"))
    result, error = call(runtime, "failing", {"id": "r-1"})
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "ApprovalRejected"
    assert error["errorMessage"] == "rejected r-1"
    assert error["requestId"] == result.request_id
    assert "raise ApprovalRejected" in error["stackTrace"][-1]
    assert "bootstrap.py" not in "".join(error["stackTrace"])
    assert "[ERROR] ApprovalRejected: rejected r-1" in result.log_lines
    # The worker stays warm: same process answers again.
    assert call(runtime, "failing", {"id": "r-2"})[1]["errorMessage"] == "rejected r-2"


def test_timeout_kills_the_worker_and_the_next_invoke_gets_a_fresh_one(make_runtime):
    runtime = make_runtime(spec("sleeper", timeout=1))
    result, error = call(runtime, "sleeper", {"seconds": 30})
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"] == "Task timed out after 1.00 seconds"
    old_pid = int(result.log_lines[0].removeprefix("pid="))
    assert not alive(old_pid)

    result, body = call(runtime, "sleeper", {"seconds": 0})
    assert result.function_error is None
    assert body["pid"] != old_pid


def test_worker_exit_is_reported_and_replaced(make_runtime):
    runtime = make_runtime(spec("crasher"))
    result, error = call(runtime, "crasher")
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in error["errorMessage"]
    assert "about to exit" in result.log_lines
    assert call(runtime, "crasher")[1]["errorType"] == "Runtime.ExitError"


def test_import_and_handler_errors(make_runtime):
    runtime = make_runtime(spec("broken", "broken.handler"), spec("missing", "handlers/basic.nope"),
                           spec("counter"))
    result, error = call(runtime, "broken")
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist" in error["errorMessage"]
    first, missing = call(runtime, "missing")
    assert (missing["errorType"], missing["errorMessage"]) == (
        "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'handlers/basic'")
    # As with awslambdaric, the init succeeded: the same sandbox answers the next invocation.
    assert call(runtime, "missing")[0].log_lines and len(runtime._pools["missing"].idle) == 1
    assert call(runtime, "counter")[0].function_error is None


def test_return_value_must_be_json(make_runtime):
    runtime = make_runtime(spec("unmarshalable"), spec("decimals"))
    result, error = call(runtime, "unmarshalable")
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Runtime.MarshalError"
    assert call(runtime, "decimals")[1] == {"int": 3, "float": 1.5}


def test_environment_and_context(make_runtime, monkeypatch):
    monkeypatch.setenv("LOCALCLOUD_TEST_LEAK", "parent only")
    runtime = make_runtime(spec("env_info", "handlers.basic.env_info", timeout=5,
                                environment={"AWS_REGION": "eu-west-1", "TABLE_NAME": "approvals"}))
    keys = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION", "TABLE_NAME", "LAMBDA_TASK_ROOT",
            "_HANDLER", "AWS_LAMBDA_FUNCTION_TIMEOUT", "LOCALCLOUD_TEST_LEAK", "PATH"]
    result, body = call(runtime, "env_info", {"keys": keys})
    env, context = body["env"], body["context"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "env_info"
    assert env["AWS_REGION"] == "eu-west-1"  # the spec wins over the defaults
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["TABLE_NAME"] == "approvals"
    assert env["LAMBDA_TASK_ROOT"] == str(SERVICE)
    assert env["_HANDLER"] == "handlers.basic.env_info"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "5"
    assert env["LOCALCLOUD_TEST_LEAK"] is None
    assert env["PATH"]
    assert body["cwd"] == str(SERVICE)
    assert context["function_name"] == "env_info"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:env_info"
    assert context["memory_limit_in_mb"] == "1024"
    assert context["aws_request_id"] == result.request_id
    assert context["log_group_name"] == "/aws/lambda/env_info"
    assert 0 < context["remaining_ms"] <= 5000

    second = call(runtime, "env_info", {"keys": []})
    assert second[1]["context"]["aws_request_id"] != result.request_id


def test_the_module_path_is_the_task_root_then_the_layers_then_the_runtimes_libraries(make_runtime):
    runtime = make_runtime(spec("uses_layer"), spec("env_info"))
    assert call(runtime, "uses_layer", {"word": "hi"})[1] == "HI!"
    sys_path = call(runtime, "env_info", {"keys": []})[1]["sys_path"]
    assert sys_path[:4] == [str(SERVICE), str(OPT / "python" / "lib" / "python3.12" / "site-packages"),
                            str(OPT / "python"), str(RUNTIME_LIBRARIES)]
    # Then only the standard library: no virtualenv, no repository, no user site.
    assert not [p for p in sys_path[4:] if "site-packages" in p or p.startswith(str(REPO_ROOT))]


def test_a_handler_sees_the_runtimes_boto3_not_the_dev_environments(make_runtime):
    runtime = make_runtime(spec("runtime_libraries"))
    assert call(runtime, "runtime_libraries")[1] == {"boto3": "1.38.36", "botocore": "1.38.36"}


def test_importing_what_only_the_dev_environment_has_fails_at_init_as_on_aws(make_runtime):
    runtime = make_runtime(spec("dev_only", "handlers/basic.imports_what_only_the_dev_environment_has"),
                           spec("broken_at_init", "broken.handler"))
    result, error = call(runtime, "dev_only")
    assert result.function_error == "Unhandled"
    assert (error["errorType"], error["errorMessage"]) == ("ModuleNotFoundError", "No module named 'pytest'")
    result, error = call(runtime, "broken_at_init")
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"] == "Unable to import module 'broken': No module named 'module_that_does_not_exist'"


def test_only_tmp_is_writable(make_runtime, tmp_path):
    runtime = make_runtime(spec("writes"))
    assert call(runtime, "writes", {"path": "/tmp/localcloud-lambda-write-test"})[1] == {
        "written": "/tmp/localcloud-lambda-write-test"}
    for outside in (SERVICE / "new.txt", Path.home() / "localcloud-lambda-write-test"):
        answer = call(runtime, "writes", {"path": str(outside)})[1]
        assert answer == {"errno": 30, "error": f"[Errno 30] Read-only file system: '{outside}'"}
        assert not outside.exists()


def test_the_task_root_is_read_only_even_when_it_lives_under_tmp(make_runtime, tmp_path):
    """A clone in /tmp (as CI makes one) puts the unzipped package under /tmp: it must stay read-only."""
    import shutil
    code = shutil.copytree(SERVICE, tmp_path / "task")
    assert str(code).startswith("/tmp/")
    runtime = make_runtime(spec("writes", code_dir=code))
    answer = call(runtime, "writes", {"path": str(code / "cache.json")})[1]
    assert answer == {"errno": 30, "error": f"[Errno 30] Read-only file system: '{code / 'cache.json'}'"}
    assert not (code / "cache.json").exists()


def test_replaced_code_runs_in_fresh_workers_from_the_next_invocation(make_runtime, tmp_path):
    first = spec("version")
    runtime = make_runtime(first)
    old_pid = call(runtime, "version")[1]["pid"]
    import shutil
    shutil.copytree(SERVICE, tmp_path / "v2")
    handlers = tmp_path / "v2" / "handlers" / "basic.py"
    handlers.write_text(handlers.read_text().replace('"version": 1', '"version": 2'))

    runtime.replace([spec("version", code_dir=tmp_path / "v2")])

    answer = call(runtime, "version")[1]
    assert answer["version"] == 2 and answer["pid"] != old_pid
    assert not alive(old_pid)


def test_a_traced_function_gets_a_trace_header_per_invocation(make_runtime):
    runtime = make_runtime(spec("traced", "handlers/basic.trace_header", tracing=True),
                           spec("untraced", "handlers/basic.trace_header"))
    first, second = call(runtime, "traced")[1], call(runtime, "traced")[1]
    assert first.startswith("Root=1-") and first.endswith(";Sampled=1") and first != second
    assert call(runtime, "untraced")[1] is None
    caller = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    continued = json.loads(runtime.invoke("untraced", b"{}", trace_header=caller).payload)
    assert continued.startswith("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=") and "53995c3f42cd8ad8" not in continued


def test_log_lines_belong_to_their_invocation(make_runtime):
    sunk = []
    runtime = make_runtime(spec("printer"), log_sink=lambda name, line: sunk.append((name, line)))
    first, _ = call(runtime, "printer", {"lines": ["one", "two"]})
    second, _ = call(runtime, "printer", {"lines": ["three"]})
    assert first.log_lines[:2] == ("one", "two")
    assert second.log_lines[0] == "three"
    for result in (first, second):
        assert "to stderr" in result.log_lines
        assert result.log_lines[-1] == "no newline at the end"
        assert any(line.startswith("[INFO]\t") and line.endswith(f"\t{result.request_id}\tlogged "
                                                                  + ("one" if result is first else "three"))
                   for line in result.log_lines)
    assert "one" not in second.log_lines
    assert ("printer", "three") in sunk


def test_event_invocation_returns_at_once(make_runtime):
    done = threading.Event()

    def sink(name, line):
        if line.startswith("pid="):
            done.set()

    # A function that runs for as long as Lambda allows: a synchronous invoke would not come back for 15 minutes.
    runtime = make_runtime(spec("sleeper", timeout=900), log_sink=sink)
    answered = []
    caller = threading.Thread(target=lambda: answered.append(
        runtime.invoke("sleeper", b'{"seconds": 900}', invocation_type="Event")))
    caller.start()
    caller.join(timeout=30)
    assert answered, "an Event invocation waited for the function"
    result = answered[0]
    assert result.payload == b"" and result.function_error is None and result.request_id
    assert done.wait(10)


def test_unknown_function_and_arn_lookup(make_runtime):
    runtime = make_runtime(spec("counter"))
    with pytest.raises(FunctionNotFound):
        runtime.invoke("nope", b"{}")
    assert runtime.spec("arn:aws:lambda:us-east-1:123456789012:function:counter").name == "counter"
    assert runtime.function_names() == ["counter"]


def test_close_leaves_no_process_behind(make_runtime):
    started_pids = []
    running = threading.Event()

    def sink(name, line):
        if line.startswith("pids="):
            started_pids.extend(int(pid) for pid in line.removeprefix("pids=").split(","))
            running.set()

    # Its timeout is longer than its 60 s hang: only close() can end it.
    runtime = make_runtime(spec("counter"), spec("sleeper"), spec("stubborn", timeout=120), log_sink=sink)
    runtime.prewarm()
    pids = [call(runtime, "counter")[1]["pid"], call(runtime, "sleeper")[1]["pid"]]
    runtime.invoke("stubborn", b"{}", invocation_type="Event")
    assert running.wait(10)
    pids.append(started_pids[0])

    closer = threading.Thread(target=runtime.close)
    closer.start()
    closer.join(timeout=45)
    assert not closer.is_alive(), "close() waited for a worker that ignores SIGTERM instead of killing it"
    assert [pid for pid in pids if alive(pid)] == []
    assert worker_children() == []  # including any the prewarm started
    # The worker's own child is not ours to reap: give its reaper a moment.
    grandchild = started_pids[1]
    deadline = time.monotonic() + 2
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(grandchild)
    with pytest.raises(RuntimeError):
        runtime.invoke("counter", b"{}")


# --- asynchronous invocation: retries and destinations --------------------------------------------------------------
def failing_spec(**async_config):
    return replace(spec("failing"), async_config=AsyncConfig(on_failure="arn:aws:sqs:us-east-1:123456789012:dlq",
                                                             **async_config))


def test_a_failing_event_invocation_is_tried_three_times_then_its_record_goes_to_the_on_failure_destination(
        make_runtime):
    delivered, done = [], threading.Event()
    runtime = make_runtime(failing_spec(), retry_delays=(0.01, 0.02),
                           deliver=lambda spec, arn, record: (delivered.append((arn, record)), done.set()))

    accepted = runtime.invoke("failing", b'{"id": "r-9"}', invocation_type="Event")

    assert done.wait(30)
    ((arn, record),) = delivered
    assert arn == "arn:aws:sqs:us-east-1:123456789012:dlq"
    assert record["requestContext"] == {
        "requestId": accepted.request_id, "condition": "RetriesExhausted", "approximateInvokeCount": 3,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:failing:$LATEST"}
    assert record["requestPayload"] == {"id": "r-9"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ApprovalRejected"


def test_maximum_retry_attempts_zero_means_one_attempt(make_runtime):
    delivered, done = [], threading.Event()
    runtime = make_runtime(failing_spec(maximum_retry_attempts=0), retry_delays=(0.01, 0.02),
                           deliver=lambda spec, arn, record: (delivered.append(record), done.set()))

    runtime.invoke("failing", b'{"id": "r-10"}', invocation_type="Event")

    assert done.wait(30)
    assert delivered[0]["requestContext"]["approximateInvokeCount"] == 1


# --- reserved concurrency: throttled as Lambda throttles ----------------------------------------------------------

def test_given_reserved_concurrency_in_use_a_synchronous_invoke_is_throttled_instead_of_waiting(make_runtime):
    started = threading.Event()
    runtime = make_runtime(replace(spec("sleeper"), reserved_concurrency=1),
                           log_sink=lambda name, line: started.set() if line.startswith("pid=") else None)
    first = threading.Thread(target=call, args=(runtime, "sleeper", {"seconds": 2}))
    first.start()
    assert started.wait(20)

    with pytest.raises(Throttled, match="Rate Exceeded.") as raised:
        call(runtime, "sleeper", {"seconds": 0})
    first.join()

    assert raised.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert call(runtime, "sleeper", {"seconds": 0})[0].function_error is None   # free again: runs


def test_given_reserved_concurrency_event_invocations_wait_their_turn_and_all_run(make_runtime):
    ran = []
    runtime = make_runtime(replace(spec("sleeper"), reserved_concurrency=1),
                           log_sink=lambda name, line: ran.append(line) if line.startswith("pid=") else None)

    for _ in range(3):
        runtime.invoke("sleeper", b'{"seconds": 0.2}', invocation_type="Event")

    deadline = time.monotonic() + 30
    while len(ran) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(ran) == 3 and len(set(ran)) == 1     # one at a time, in the one sandbox reserved concurrency allows


def test_given_reserved_concurrency_zero_every_synchronous_invoke_is_throttled(make_runtime):
    runtime = make_runtime(replace(spec("counter"), reserved_concurrency=0))

    with pytest.raises(Throttled):
        call(runtime, "counter")
