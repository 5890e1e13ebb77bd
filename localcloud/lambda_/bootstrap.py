"""Child side of the local Lambda runtime: one process = one warm Lambda sandbox.

Started by ``localcloud.lambda_runtime`` as::

    python -m localcloud.lambda_worker REQUEST_FD RESPONSE_FD [LAYER_DIR ...]

with cwd = the function's code dir and ``_HANDLER`` in the environment. The handler
is imported once (the cold start), then invoked once per request frame. Requests
and responses travel over the two inherited pipes, never over stdout/stderr: those
belong to the handler and are its log stream.

A frame is ``>II`` (header length, body length), a JSON header, then raw body bytes.
Before every response the worker writes ``SYNC_MARK <seq>`` on stdout, so the parent
knows when it has seen every log line written before that response.

This module is also imported by the parent for the frame format; keep it stdlib-only
and free of import-time side effects.
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import struct
import sys
import threading
import time
import traceback

FRAME = struct.Struct(">II")
SYNC_MARK = "\x1e\x1flocalcloud-sync "

# The current request id, for the AWS-style prefix on `logging` records.
_request_id = ""


def encode_frame(header: dict, body: bytes = b"") -> bytes:
    head = json.dumps(header).encode()
    return FRAME.pack(len(head), len(body)) + head + body


class Fault(Exception):
    """An error the runtime itself reports (AWS's "Runtime.*" error types)."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None):
        super().__init__(message)
        self.error_type, self.message, self.stack_trace = error_type, message, stack_trace or []


class LambdaContext:
    """The attributes of the AWS Python runtime's context object."""

    def __init__(self, request_id: str, invoked_function_arn: str, timeout_ms: int):
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = invoked_function_arn
        # A string, as on AWS.
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(handler: str):
    module_path, _, attribute = handler.rpartition(".")
    if not module_path or not attribute:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}'")
    try:
        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as exc:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{module_path}': {exc}")
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_path}': {exc}", trace)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_path}'")


def error_object(exc: BaseException) -> dict:
    if isinstance(exc, Fault):
        error_type, message, stack = exc.error_type, exc.message, exc.stack_trace
    else:
        # Drop the runtime's own frames: the trace should start in the user's code.
        frames = traceback.extract_tb(exc.__traceback__)
        while frames and (frames[0].filename == __file__ or frames[0].filename.startswith("<frozen")):
            frames.pop(0)
        error_type, message, stack = type(exc).__name__, str(exc), traceback.format_list(frames)
    return {"errorMessage": message, "errorType": error_type, "requestId": _request_id, "stackTrace": stack}


def log_error(error: dict) -> None:
    # AWS logs every error it returns; here that makes tracebacks visible in the console.
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines += [line for entry in error["stackTrace"] for line in entry.splitlines()]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _json_default(value):
    # What the AWS runtime does for DynamoDB numbers; everything else is a MarshalError.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def marshal(result) -> bytes:
    if isinstance(result, bytes):
        return result
    try:
        return json.dumps(result, default=_json_default, ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}")


def invoke(handler, header: dict, body: bytes) -> tuple[bool, bytes]:
    global _request_id
    _request_id = header["request_id"]
    context = LambdaContext(_request_id, header["invoked_function_arn"], header["timeout_ms"])
    try:
        try:
            event = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}")
        return True, marshal(handler(event, context))
    except Exception as exc:
        error = error_object(exc)
        log_error(error)
        return False, json.dumps(error).encode()


class Channel:
    def __init__(self, request_fd: int, response_fd: int):
        self.request_fd, self.response_fd, self.seq = request_fd, response_fd, 0

    def receive(self) -> tuple[dict, bytes] | None:
        sizes = self._read(FRAME.size)
        if sizes is None:
            return None
        head_len, body_len = FRAME.unpack(sizes)
        data = self._read(head_len + body_len)
        if data is None:
            return None
        return json.loads(data[:head_len]), data[head_len:]

    def send(self, header: dict, body: bytes = b"") -> None:
        self.seq += 1
        self._sync_logs()
        data = memoryview(encode_frame({**header, "seq": self.seq}, body))
        while data:
            data = data[os.write(self.response_fd, data):]

    def _sync_logs(self) -> None:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except Exception:
                pass  # the handler may have replaced or closed it
        try:
            os.write(1, f"{SYNC_MARK}{self.seq}\n".encode())
        except OSError:
            pass  # the parent then waits a little and moves on

    def _read(self, size: int) -> bytes | None:
        buf = bytearray()
        while len(buf) < size:
            chunk = os.read(self.request_fd, size - len(buf))
            if not chunk:
                return None  # the parent closed the pipe or died
            buf += chunk
        return bytes(buf)


def _setup_sys_path(layer_dirs: list[str]) -> None:
    # Like /var/task and /opt/python on AWS; the repo root (only here so that this
    # module can be found) is dropped, so that imports which would fail on AWS fail here too.
    task_root = os.getcwd()
    repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rest = [p for p in sys.path[1:] if os.path.abspath(p or ".") not in (task_root, repo_root)]
    sys.path[:] = [task_root, *layer_dirs, *rest]


def _setup_logging() -> None:
    # The AWS runtime gives the root logger a handler, so `logger.setLevel(INFO)` is enough
    # for `logger.info` to show up; without it only warnings would, via logging.lastResort.
    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _request_id
            return True

    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)


def _exit_with_parent() -> None:
    # EOF on the request pipe only ends an idle worker; this also ends one stuck in a handler.
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def main(argv: list[str]) -> int:
    channel = Channel(int(argv[0]), int(argv[1]))
    _exit_with_parent()
    _setup_sys_path(argv[2:])
    sys.stdout.reconfigure(line_buffering=True)
    _setup_logging()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except Exception as exc:
        error = error_object(exc)
        log_error(error)
        channel.send({"type": "ready", "error": True}, json.dumps(error).encode())
        return 1
    channel.send({"type": "ready", "error": False})
    while (request := channel.receive()) is not None:
        ok, payload = invoke(handler, *request)
        channel.send({"type": "result", "error": not ok}, payload)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        os._exit(1)  # the parent is gone; nobody to report to
