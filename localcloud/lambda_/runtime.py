"""Parent side of the local Lambda runtime: pools of warm worker processes.

Each function gets a pool of ``python -m localcloud.lambda_worker`` processes, each
one behaving like a warm Lambda sandbox: the handler module is imported once and its
module-level state survives between invocations. A pool grows only when every one of
its workers is busy, up to ``max_concurrency`` workers per function; further
invocations wait for a free worker. A function with reserved concurrency runs at most
that many at once, and, as on AWS, a synchronous invocation beyond it is throttled
(Throttled: TooManyRequestsException) instead of waiting; Event invocations wait, as
Lambda's own queue retries a throttled event.

Workers run in their own session (process group), so that killing one also kills
whatever its handler started.
"""

from __future__ import annotations

import atexit
import collections
import functools
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from localcloud.lambda_.async_invocations import AWS_RETRY_DELAYS, AsyncConfig, invocation_record
from localcloud.lambda_.bootstrap import FRAME, SYNC_MARK, encode_frame

BOOTSTRAP = Path(__file__).resolve().parent / "bootstrap.py"
ACCOUNT_ID = "123456789012"
INIT_TIMEOUT = 10.0  # seconds; on AWS the init phase has its own 10 s, outside the function timeout
# A busy pool grows only when none of its workers frees up within this: a cold start costs a core 150-300 ms
# (an interpreter and its imports), a warm invocation of a short handler a few, so under a burst a brief wait for a
# warm worker is both quicker and cheaper than a new one, and workers stay few.
GROW_AFTER = 0.1  # seconds
KILL_GRACE = 1.0  # seconds between SIGTERM and SIGKILL in close()
LOG_SYNC_TIMEOUT = 1.0  # seconds to wait for the log lines written before a response


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str
    code_dir: Path                 # LAMBDA_TASK_ROOT: the unpacked deployment package
    opt_dir: Path | None           # /opt: the unpacked layers, None without layers
    environment: Mapping[str, str]
    timeout: float
    memory_size: int = 1024
    service: str = ""
    runtime: str = "python3.12"
    tracing: bool = False          # TracingConfig Mode Active
    role_arn: str = ""             # its execution role
    async_config: AsyncConfig = AsyncConfig()   # retries and destinations of its Event invocations
    reserved_concurrency: int | None = None     # ReservedConcurrentExecutions; None: the account's unreserved pool

    def __post_init__(self):
        object.__setattr__(self, "code_dir", Path(self.code_dir))
        if self.opt_dir is not None:
            object.__setattr__(self, "opt_dir", Path(self.opt_dir))


@dataclass(frozen=True)
class InvokeResult:
    payload: bytes
    function_error: str | None
    request_id: str
    duration_ms: float
    log_lines: tuple[str, ...]


class FunctionNotFound(KeyError):
    pass


class Throttled(RuntimeError):
    """Lambda's TooManyRequestsException (HTTP 429, "Rate Exceeded."): a synchronous invocation found every unit of
    the function's reserved concurrency in use."""
    error_type = "TooManyRequestsException"
    reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
    retry_after_seconds = 1

    def __init__(self, function_name: str):
        super().__init__("Rate Exceeded.")
        self.function_name = function_name


class UnsupportedRuntime(RuntimeError):
    pass


@functools.cache
def interpreter_for(runtime: str) -> str:
    """A python3.12 for functions of runtime python3.12: the local cloud's own if it is one, else one on PATH."""
    match = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    if not match:
        raise UnsupportedRuntime(f"runtime {runtime!r} is not a Python runtime the local cloud runs")
    if (sys.version_info.major, sys.version_info.minor) == tuple(map(int, match.groups())):
        return sys.executable
    found = shutil.which(runtime)
    if not found:
        raise UnsupportedRuntime(f"functions of runtime {runtime} need a {runtime} interpreter on PATH")
    return found


def default_base_env() -> dict[str, str]:
    """What Lambda sets in every sandbox besides the function's own variables (configuration-envvars.html)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        # Not the developer's home: boto3 would read their ~/.aws there. A sandbox's home does not exist.
        "HOME": "/home/sbx_user1051",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    }


def print_log(function_name: str, line: str) -> None:
    print(f"[{function_name}] {line}", file=sys.stderr, flush=True)


def _error_payload(error_type: str, message: str, request_id: str) -> bytes:
    error = {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": []}
    return json.dumps(error).encode()


class _Worker:
    """One worker process, its two protocol pipes and the thread reading its output.

    Only the thread that currently owns the worker (see LambdaRuntime._acquire) talks
    to it or closes its pipes; any thread may signal or reap it.
    """

    def __init__(self, spec: FunctionSpec, env: dict[str, str], log_sink: Callable[[str, str], None]):
        self.spec = spec
        self.ready = False
        request_read, self._request_fd = os.pipe()
        self._response_fd, response_write = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [interpreter_for(spec.runtime), "-I", "-S", str(BOOTSTRAP), str(request_read), str(response_write),
                 str(spec.opt_dir or "")],
                cwd=spec.code_dir, env=env, pass_fds=(request_read, response_write), start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )
        except BaseException:
            os.close(self._request_fd)
            os.close(self._response_fd)
            raise
        finally:
            os.close(request_read)
            os.close(response_write)
        self.pid = self.proc.pid
        self.arn = f"arn:aws:lambda:{env['AWS_REGION']}:{ACCOUNT_ID}:function:{spec.name}"
        self._poll = select.poll()  # not select.select: fd numbers may pass FD_SETSIZE
        self._poll.register(self._response_fd, select.POLLIN)
        self._fds_open = True
        self._logs = threading.Condition()
        self._lines: list[str] = []
        self._synced = 0  # highest SYNC_MARK seq seen on stdout
        self._eof = False
        threading.Thread(target=self._read_output, args=(log_sink,), daemon=True,
                         name=f"lambda-output-{spec.name}-{self.pid}").start()

    def _read_output(self, log_sink: Callable[[str, str], None]) -> None:
        for raw in self.proc.stdout:
            line, mark, seq = raw.decode("utf-8", "replace").rstrip("\r\n").partition(SYNC_MARK)
            # A handler's last line may lack its newline, so the mark can follow text.
            if line or not mark:
                with self._logs:
                    self._lines.append(line)
                try:
                    log_sink(self.spec.name, line)
                except Exception:
                    pass  # a broken sink must not stop the draining of the pipe
            if mark and seq.isdigit():
                with self._logs:
                    self._synced = int(seq)
                    self._logs.notify_all()
        self.proc.stdout.close()
        with self._logs:
            self._eof = True
            self._logs.notify_all()

    def take_logs(self, seq: int | None = None, timeout: float = LOG_SYNC_TIMEOUT) -> list[str]:
        """Lines since the last call: up to sync mark `seq`, or up to EOF if seq is None."""
        with self._logs:
            self._logs.wait_for(lambda: self._eof or (seq is not None and self._synced >= seq), timeout)
            lines, self._lines = self._lines, []
        return lines

    def wait_exit(self, timeout: float) -> None:
        # EOF on stdout means the worker and everything it started are gone, without reaping it.
        with self._logs:
            self._logs.wait_for(lambda: self._eof, max(0.0, timeout))

    def send(self, header: dict, body: bytes) -> None:
        data = memoryview(encode_frame(header, body))
        while data:
            data = data[os.write(self._request_fd, data):]

    def receive(self, deadline: float) -> tuple[dict, bytes]:
        """Raises TimeoutError once `deadline` passes, EOFError if the worker died."""
        head_len, body_len = FRAME.unpack(self._read(FRAME.size, deadline))
        data = self._read(head_len + body_len, deadline)
        return json.loads(data[:head_len]), data[head_len:]

    def _read(self, size: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < size:
            if not self._poll.poll(max(0.0, deadline - time.monotonic()) * 1000):
                raise TimeoutError
            chunk = os.read(self._response_fd, size - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal(self, signum: int) -> None:
        # Never signal a reaped worker: its pid (= process group id) may have been reused.
        if self.proc.returncode is None:
            try:
                os.killpg(self.pid, signum)
            except (ProcessLookupError, PermissionError):
                pass

    def kill(self) -> None:
        """SIGKILL the worker's process group and reap it. Safe from any thread."""
        self.signal(signal.SIGKILL)
        self.proc.wait()

    def destroy(self) -> None:
        """Kill, then release the pipes. Only for the owning thread (or an idle worker)."""
        self.kill()
        self.wait_exit(LOG_SYNC_TIMEOUT)
        if self._fds_open:
            self._fds_open = False
            os.close(self._request_fd)
            os.close(self._response_fd)

    def exit_status(self) -> str:
        code = self.proc.returncode
        if code is not None and code < 0:
            return f"signal: {(signal.strsignal(-code) or str(-code)).lower()}"
        return f"exit status {code}"


@dataclass
class _Pool:
    cond: threading.Condition
    idle: list[_Worker] = field(default_factory=list)
    size: int = 0  # workers alive or being started, busy or idle
    waiting: collections.deque = field(default_factory=collections.deque)   # tickets of calls waiting, in order


class LambdaRuntime:
    def __init__(self, functions: Iterable[FunctionSpec], *, runtime_dir: Path,
                 base_env: Mapping[str, str] | None = None, log_sink: Callable[[str, str], None] | None = None,
                 max_concurrency: int = 10, xray=None, retry_delays: tuple[float, float] = AWS_RETRY_DELAYS,
                 deliver: Callable[[FunctionSpec, str, dict], None] | None = None, grow_after: float = GROW_AFTER):
        """runtime_dir holds the runtime's own libraries (requirements/lambda-runtime.txt); xray, the X-Ray daemon
        that receives traced invocations' segments (localcloud/xray/daemon.py), if any. retry_delays: the waits
        before an Event invocation's second and third attempts; deliver(spec, destination_arn, record) sends an
        invocation record to a destination as the function's role."""
        self._retry_delays = retry_delays
        self._deliver = deliver
        if not (Path(runtime_dir) / "boto3").is_dir():
            raise FileNotFoundError(f"{runtime_dir} holds no boto3: the Lambda runtime's libraries are not installed "
                                    "(make install)")
        self._runtime_dir = Path(runtime_dir)
        self._xray = xray
        self._specs: dict[str, FunctionSpec] = {}
        for spec in functions:
            if spec.name in self._specs:
                raise ValueError(f"duplicate function name {spec.name!r}")
            self._specs[spec.name] = spec
        self._base_env = dict(default_base_env() if base_env is None else base_env)
        self._log_sink = log_sink or print_log
        self._max_concurrency = max(1, max_concurrency)
        self._grow_after = grow_after
        # One lock for every pool: contention is negligible next to a process round trip.
        self._lock = threading.Lock()
        self._pools = {name: _Pool(threading.Condition(self._lock)) for name in self._specs}
        self._workers: set[_Worker] = set()  # every live worker, for close()
        self._closed = False
        self._closing = threading.Event()    # wakes Event invocations waiting to retry
        # Fault injection (localcloud/faults/): inject(function name) -> None, or a rule whose kind is lambda-kill
        # or lambda-timeout and whose after_ms says when the invocation is cut.
        self.inject: Callable[[str], object] | None = None
        atexit.register(self.close)

    def function_names(self) -> list[str]:
        return list(self._specs)

    def spec(self, name: str) -> FunctionSpec:
        """Accepts a function name or its ARN (Step Functions and SDKs pass either)."""
        if name not in self._specs and name.startswith("arn:") and name.count(":") >= 6:
            name = name.split(":")[6]
        try:
            return self._specs[name]
        except KeyError:
            raise FunctionNotFound(name) from None

    def invoke(self, name: str, payload: bytes, *, invocation_type: str = "RequestResponse",
               trace_header: str | None = None) -> InvokeResult:
        """trace_header: the caller's X-Amzn-Trace-Id, which a traced invocation continues."""
        spec = self.spec(name)
        if isinstance(payload, str):
            payload = payload.encode()
        request_id = str(uuid.uuid4())
        trace = self._trace(spec, trace_header)
        if invocation_type == "RequestResponse":
            self._refuse_beyond_reserved_concurrency(spec)
            return self._invoke(spec, payload, request_id, trace)
        if invocation_type == "Event":
            threading.Thread(target=self._invoke_in_background, args=(spec, payload, request_id, trace),
                             daemon=True, name=f"lambda-event-{spec.name}").start()
        elif invocation_type != "DryRun":
            raise ValueError(f"unknown invocation type {invocation_type!r}")
        return InvokeResult(b"", None, request_id, 0.0, ())

    def replace(self, specs: Iterable[FunctionSpec]) -> None:
        """New code for these functions (a repackaged service or layer). As after UpdateFunctionCode on AWS, the
        next invocations start in fresh sandboxes; invocations running now finish on the code they started with."""
        stale: list[_Worker] = []
        with self._lock:
            for spec in specs:
                if spec.name not in self._specs:
                    raise FunctionNotFound(spec.name)
                self._specs[spec.name] = spec
                pool = self._pools[spec.name]
                stale += pool.idle
                pool.size -= len(pool.idle)
                self._workers.difference_update(pool.idle)
                pool.idle.clear()
                pool.cond.notify_all()
        for worker in stale:
            worker.destroy()

    def prewarm(self, names: Iterable[str] | None = None) -> threading.Thread:
        """Start one worker per function in the background; join the returned thread to wait until all are warm."""
        specs = list(self._specs.values()) if names is None else [self.spec(name) for name in names]
        warming = threading.Thread(target=self._prewarm, args=(specs,), daemon=True, name="lambda-prewarm")
        warming.start()
        return warming

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._closing.set()
            workers = list(self._workers)
            self._workers.clear()
            idle = [worker for pool in self._pools.values() for worker in pool.idle]
            for pool in self._pools.values():
                pool.idle.clear()
                pool.cond.notify_all()
        atexit.unregister(self.close)
        for worker in workers:
            worker.signal(signal.SIGTERM)
        deadline = time.monotonic() + KILL_GRACE
        for worker in workers:
            worker.wait_exit(deadline - time.monotonic())
        for worker in workers:
            worker.kill()
        deadline = time.monotonic() + LOG_SYNC_TIMEOUT
        for worker in workers:
            worker.wait_exit(deadline - time.monotonic())  # processes the handlers started
        # Busy workers' pipes are closed by the threads using them, which now see EOF.
        for worker in idle:
            worker.destroy()

    # -- internals ---------------------------------------------------------------

    def _concurrency(self, spec: FunctionSpec) -> int:
        if spec.reserved_concurrency is None:
            return self._max_concurrency
        return min(self._max_concurrency, spec.reserved_concurrency)

    def _refuse_beyond_reserved_concurrency(self, spec: FunctionSpec) -> None:
        if spec.reserved_concurrency is None:
            return
        pool = self._pools[spec.name]
        with pool.cond:
            running = pool.size - len(pool.idle) + len(pool.waiting)
        if running >= spec.reserved_concurrency:
            raise Throttled(spec.name)

    def _trace(self, spec: FunctionSpec, trace_header: str | None) -> dict | None:
        """The X-Ray context of one invocation: the caller's trace continued, or a new one if the function is
        traced (Active); None when nothing traces it (PassThrough, no sampled caller)."""
        from localcloud.xray.daemon import new_segment_id, new_trace_id, parse_trace_header, trace_header as header

        incoming = parse_trace_header(trace_header) if trace_header else {}
        if not spec.tracing and "Root" not in incoming:
            return None
        sampled = incoming.get("Sampled", "1" if spec.tracing else "0") == "1"
        trace_id, segment_id = incoming.get("Root") or new_trace_id(), new_segment_id()
        return {"trace_id": trace_id, "segment_id": segment_id, "sampled": sampled,
                "header": header(trace_id, segment_id, sampled)}

    def _invoke(self, spec: FunctionSpec, payload: bytes, request_id: str, trace: dict | None = None) -> InvokeResult:
        started_at = time.time()
        result = self._run(spec, payload, request_id, trace)
        if trace and trace["sampled"] and self._xray is not None:
            self._xray.record_function_segment(
                spec.name, f"arn:aws:lambda:{self._region()}:{ACCOUNT_ID}:function:{spec.name}", trace["trace_id"],
                trace["segment_id"], started_at, time.time(), error=result.function_error is not None)
        return result

    def _region(self) -> str:
        return self._base_env.get("AWS_REGION") or self._base_env.get("AWS_DEFAULT_REGION") or "us-east-1"

    def _run(self, spec: FunctionSpec, payload: bytes, request_id: str, trace: dict | None) -> InvokeResult:
        worker = self._acquire(spec)
        reusable = False
        try:
            if not worker.ready:
                failure = self._await_ready(worker, request_id)
                if failure:
                    return failure
            worker.take_logs(timeout=0)  # drop output printed between invocations
            header = {"request_id": request_id, "timeout_ms": int(spec.timeout * 1000),
                      "invoked_function_arn": worker.arn, "trace_header": trace["header"] if trace else None}
            fault = self.inject(spec.name) if self.inject else None
            started = time.monotonic()
            try:
                if fault is not None and fault.after_ms:
                    worker.send(header, payload)
                    time.sleep(fault.after_ms / 1000)    # the handler runs meanwhile
                if fault is not None:
                    # The sandbox is cut (before its handler saw the event, with after_ms 0): a crash, or a run
                    # past the function's timeout.
                    worker.kill()
                    raise TimeoutError if fault.kind == "lambda-timeout" else EOFError
                worker.send(header, payload)
                reply, body = worker.receive(started + spec.timeout)
            except TimeoutError:
                return self._fail(worker, request_id, started, "Sandbox.Timedout",
                                  f"Task timed out after {spec.timeout:.2f} seconds")
            except (EOFError, BrokenPipeError):
                return self._fail(worker, request_id, started, "Runtime.ExitError", None)
            duration_ms = (time.monotonic() - started) * 1000
            lines = worker.take_logs(reply["seq"])
            reusable = True
            return InvokeResult(body, "Unhandled" if reply["error"] else None, request_id, duration_ms, tuple(lines))
        finally:
            self._release(worker, reusable)

    def _await_ready(self, worker: _Worker, request_id: str) -> InvokeResult | None:
        """Wait for the cold start to finish; an InvokeResult if it failed."""
        started = time.monotonic()
        try:
            reply, body = worker.receive(started + INIT_TIMEOUT)
        except TimeoutError:
            return self._fail(worker, request_id, started, "Sandbox.Timedout",
                              f"Init timed out after {INIT_TIMEOUT:.2f} seconds")
        except EOFError:
            return self._fail(worker, request_id, started, "Runtime.ExitError", None)
        init_lines = worker.take_logs(reply["seq"])
        if reply["error"]:
            # Like AWS: a failed init is retried in a fresh sandbox by the next invocation.
            worker.destroy()
            duration_ms = (time.monotonic() - started) * 1000
            return InvokeResult(body, "Unhandled", request_id, duration_ms, tuple(init_lines))
        worker.ready = True
        return None

    def _fail(self, worker: _Worker, request_id: str, started: float, error_type: str,
              message: str | None) -> InvokeResult:
        """Kill a timed-out or dead worker and report it the way AWS does."""
        worker.destroy()
        duration_ms = (time.monotonic() - started) * 1000
        message = message or f"Runtime exited with error: {worker.exit_status()}"
        lines = worker.take_logs(timeout=0)
        # AWS writes this line to the function's log too.
        note = f"{request_id} {message}"
        lines.append(note)
        self._safe_log(worker.spec.name, note)
        return InvokeResult(_error_payload(error_type, message, request_id), "Unhandled", request_id,
                            duration_ms, tuple(lines))

    def _invoke_in_background(self, spec: FunctionSpec, payload: bytes, request_id: str, trace: dict | None) -> None:
        """An Event invocation: retried on a function error as Lambda retries it, then sent to its destination."""
        config = spec.async_config
        attempts = 0
        try:
            while True:
                attempts += 1
                result = self._invoke(spec, payload, request_id, trace)
                if not result.function_error or attempts > config.maximum_retry_attempts:
                    break
                delay = self._retry_delays[min(attempts, len(self._retry_delays)) - 1]
                self._safe_log(spec.name, f"{request_id} Event invocation failed ({result.function_error}): "
                                          f"attempt {attempts + 1} in {delay:g}s")
                if self._closing.wait(delay):
                    return
        except Exception as exc:
            if not self._closed:
                self._safe_log(spec.name, f"{request_id} Event invocation failed: {exc!r}")
            return
        destination = config.on_failure if result.function_error else config.on_success
        if result.function_error:
            self._safe_log(spec.name, f"{request_id} Event invocation failed after {attempts} attempts"
                                      + (f": record sent to {destination}" if destination else ""))
        if destination and self._deliver:
            arn = f"arn:aws:lambda:{self._base_env.get('AWS_REGION', 'us-east-1')}:{ACCOUNT_ID}:function:{spec.name}"
            record = invocation_record(arn, request_id, payload, result, attempts,
                                       "RetriesExhausted" if result.function_error else "Success")
            try:
                self._deliver(spec, destination, record)
            except Exception as exc:   # noqa: BLE001 - AWS logs a failed delivery; nothing else can be done
                self._safe_log(spec.name, f"{request_id} could not send the invocation record to {destination}: "
                                          f"{exc!r}")

    def _acquire(self, spec: FunctionSpec) -> _Worker:
        pool = self._pools[spec.name]
        dead: list[_Worker] = []
        # First come, first served: without the queue a newly arriving call can take a freed worker before the
        # waiter that was woken for it, and under a burst the oldest calls starve (a callback past its heartbeat).
        ticket = object()
        grow_at = None
        try:
            with pool.cond:
                pool.waiting.append(ticket)
                try:
                    while True:
                        if self._closed:
                            raise RuntimeError("LambdaRuntime is closed")
                        if pool.waiting[0] is ticket:
                            while pool.idle:
                                # Most recently used first: the others may stay idle, like on AWS.
                                worker = pool.idle.pop()
                                if worker.alive():
                                    return worker
                                dead.append(worker)
                                self._workers.discard(worker)
                                pool.size -= 1
                            if pool.size < self._concurrency(spec):
                                grow_at = grow_at or time.monotonic() + self._grow_after
                                if not pool.size or time.monotonic() >= grow_at:
                                    pool.size += 1
                                    break
                                pool.cond.wait(grow_at - time.monotonic())   # a busy worker may free up first
                                continue
                        pool.cond.wait()
                finally:
                    pool.waiting.remove(ticket)
                    pool.cond.notify_all()   # the next in line may go
        finally:
            for worker in dead:
                worker.destroy()
        return self._start_worker(self._specs[spec.name], pool)

    def _start_worker(self, spec: FunctionSpec, pool: _Pool) -> _Worker:
        """Start a worker for a slot already counted in pool.size."""
        try:
            worker = _Worker(spec, self._worker_env(spec), self._log_sink)
        except BaseException:
            with pool.cond:
                pool.size -= 1
                pool.cond.notify()
            raise
        with self._lock:
            if not self._closed:
                self._workers.add(worker)
                return worker
        worker.destroy()
        raise RuntimeError("LambdaRuntime is closed")

    def _release(self, worker: _Worker, reusable: bool) -> None:
        pool = self._pools[worker.spec.name]
        with pool.cond:
            # A worker started on code that has since been replaced is not reused.
            keep = reusable and not self._closed and worker.spec is self._specs[worker.spec.name]
            if keep:
                pool.idle.append(worker)
            else:
                self._workers.discard(worker)
                pool.size -= 1
            pool.cond.notify_all()   # only the first in line takes it
        if not keep:
            worker.destroy()

    def _prewarm(self, specs: list[FunctionSpec]) -> None:
        # One cold start per core at a time: each is mostly CPU (an interpreter and its imports).
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="lambda-prewarm") as starts:
            list(starts.map(self._prewarm_one, specs))

    def _prewarm_one(self, spec: FunctionSpec) -> None:
        pool = self._pools[spec.name]
        with pool.cond:
            if self._closed or pool.size or not self._concurrency(spec):
                return
            pool.size += 1
        try:
            worker = self._start_worker(spec, pool)
        except Exception as exc:
            if not self._closed:
                self._safe_log(spec.name, f"prewarm failed: {exc!r}")
            return
        self._release(worker, reusable=True)

    def _worker_env(self, spec: FunctionSpec) -> dict[str, str]:
        env = dict(self._base_env)
        region = self._region()
        env.update({
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": f"{spec.timeout:g}",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "LAMBDA_RUNTIME_DIR": str(self._runtime_dir),
            "LD_LIBRARY_PATH": ":".join(["/lib64", "/usr/lib64", str(self._runtime_dir), f"{self._runtime_dir}/lib",
                                         str(spec.code_dir), f"{spec.code_dir}/lib", f"{spec.opt_dir or '/opt'}/lib"]),
            "_HANDLER": spec.handler,
        })
        if self._xray is not None:
            address = self._xray.address_for(spec.name)
            host, _, port = address.rpartition(":")
            env.update({"AWS_XRAY_DAEMON_ADDRESS": address, "_AWS_XRAY_DAEMON_ADDRESS": host,
                        "_AWS_XRAY_DAEMON_PORT": port})
        env.update({key: str(value) for key, value in spec.environment.items()})
        return env

    def _safe_log(self, function_name: str, line: str) -> None:
        try:
            self._log_sink(function_name, line)
        except Exception:
            pass
