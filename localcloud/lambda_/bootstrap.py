"""Child side of the local Lambda runtime: one process = one warm Lambda sandbox (the runtime interface client).

Started by ``localcloud.lambda_.runtime`` the way AWS's python3.12 runtime starts a function: an isolated interpreter
(``python3.12 -I -S bootstrap.py REQUEST_FD RESPONSE_FD OPT_DIR``) that sees no virtualenv, no user site and no PYTHONPATH,
with cwd = LAMBDA_TASK_ROOT and ``_HANDLER`` in the environment. Its module path is built as AWS's is:

    LAMBDA_TASK_ROOT                                   the deployment package, unzipped (/var/task on AWS)
    <opt>/python/lib/python3.12/site-packages, <opt>/python    the layers (/opt on AWS; packaging-layers.html)
    LAMBDA_RUNTIME_DIR                                 the runtime's own libraries: boto3 and its dependencies
                                                       (/var/lang/lib/python3.12/site-packages on AWS)
    the standard library

so an import that would fail on AWS fails here, with AWS's Runtime.ImportModuleError. Only /tmp is writable, as
in a Lambda sandbox: an audit hook refuses every other write with ``OSError: [Errno 30] Read-only file system``,
whoever runs the local cloud (file modes alone do not stop root).

The handler is imported once (the cold start), then invoked once per request frame. Requests and responses travel
over the two inherited pipes, never over stdout/stderr: those belong to the handler and are its log stream.
A frame is ``>II`` (header length, body length), a JSON header, then raw body bytes. Before every response the worker
writes ``SYNC_MARK <seq>`` on stdout, so the parent knows when it has seen every log line written before it.

This module is also imported by the parent for the frame format; keep it stdlib-only and free of import-time side
effects.
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
    """The handler, as AWS's Python runtime interface client (awslambdaric) finds it: a missing module is an init
    failure, a missing function is not (the init succeeds and every invocation fails with HandlerNotFound)."""
    module_path, _, attribute = handler.rpartition(".")
    if not module_path or not attribute:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}'")
    if module_path.split("/")[0].split(".")[0] in sys.builtin_module_names:
        raise Fault("Runtime.BuiltInModuleConflict",
                    f"Cannot use built-in module {module_path.split('/')[0]} as a handler module")
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
        fault = Fault("Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_path}'")

        def missing_handler(event, context):
            raise fault
        return missing_handler


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
    # "This environment variable changes with each invocation" (Lambda's reserved variables).
    if header.get("trace_header"):
        os.environ["_X_AMZN_TRACE_ID"] = header["trace_header"]
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
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


def _setup_sys_path(opt: str) -> None:
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    layers = [os.path.join(opt, "python", "lib", version, "site-packages"), os.path.join(opt, "python")] if opt else []
    runtime_libraries = os.environ["LAMBDA_RUNTIME_DIR"]
    # With -I -S, what is left of sys.path is the standard library.
    standard_library = [p for p in sys.path if p and os.path.abspath(p) != os.path.dirname(os.path.abspath(__file__))]
    sys.path[:] = [task_root, *layers, runtime_libraries, *standard_library]


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_WRITABLE = ("/tmp", "/dev")
# What deploys is read-only even when this machine keeps it under /tmp (a clone in /tmp, as CI makes): the task
# root, the layers and the runtime. Filled in by main() once the paths are known.
_READ_ONLY: list[str] = []
# Audit events that change the filesystem, and which of their arguments are paths.
_CHANGES = {"os.mkdir": (0,), "os.remove": (0,), "os.rmdir": (0,), "os.rename": (0, 1), "os.link": (0, 1),
            "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
            "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.move": (1,)}


def _writable(path) -> bool:
    if isinstance(path, int):
        return True          # an open file descriptor: whatever opened it was checked
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return True
    def under(roots) -> bool:
        return any(real == root or real.startswith(root + os.sep) for root in roots)
    return under(_WRITABLE) and not under(_READ_ONLY)


def _refuse_writes_outside_tmp(event: str, args: tuple) -> None:
    """A Lambda sandbox's filesystem is read-only except /tmp: refuse the write with the error AWS gives."""
    if event == "open":
        path, mode, flags = args
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)
        paths = [path] if writes else []
    elif event in _CHANGES:
        paths = [args[i] for i in _CHANGES[event] if i < len(args)]
    else:
        return
    for target in paths:
        if target is not None and not _writable(target):
            raise OSError(30, "Read-only file system", os.fsdecode(target))


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
    _setup_sys_path(argv[2] if len(argv) > 2 else "")
    _READ_ONLY.extend(os.path.realpath(p) for p in (os.environ["LAMBDA_TASK_ROOT"], os.environ["LAMBDA_RUNTIME_DIR"],
                                                   *(argv[2:3])) if p)
    sys.addaudithook(_refuse_writes_outside_tmp)
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
