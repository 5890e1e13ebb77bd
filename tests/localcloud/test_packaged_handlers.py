"""Every handler of the monorepo, loaded as AWS loads it from what `make package` makes: its service's zip unpacked
as the task root, the shared layer's zip as /opt, the Lambda runtime's libraries only. Each must import and answer
an invocation (an answer may be an error of the handler's own; never a failure of its init).

Stage local: the one whose outputs env.json records (a stage never deployed has none, and a function reading another
service's output then rightly fails at init, which test_deploy_defects covers).
"""
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from localcloud.serverless import services
from localcloud.lambda_.artifacts import Unpacked
from localcloud.lambda_.runtime import FunctionSpec, LambdaRuntime, default_base_env
from localcloud.cloudformation.stack import ServiceStack

REPO = Path(__file__).resolve().parents[2]
STAGE = "local"


class NoAws(BaseHTTPRequestHandler):
    """Answers every AWS call at once with a client error: a handler's calls fail fast, nothing reaches AWS."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"__type": "ValidationException", "message": "no AWS in this test"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_DELETE = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def no_aws():
    server = ThreadingHTTPServer(("127.0.0.1", 0), NoAws)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def packaged_functions(tmp_path) -> list[FunctionSpec]:
    packages = services.package_all(services.discover(), STAGE)
    unpacked = Unpacked(tmp_path)
    layer = packages["shared"]
    layer_zip = layer.artifact(layer.template["Resources"]["SharedLambdaLayer"]["Properties"]["Content"]["S3Key"])
    specs = []
    for name, package in packages.items():
        stack = ServiceStack(name, STAGE, package.template)
        for resource in stack.of_type("AWS::Lambda::Function").values():
            props = stack.resolve(resource["Properties"])
            assert all("waitflows-shared" in arn for arn in props.get("Layers", [])), props["Layers"]
            specs.append(FunctionSpec(
                name=props["FunctionName"], handler=props["Handler"],
                code_dir=unpacked.code(package.artifact(props["Code"]["S3Key"])),
                opt_dir=unpacked.opt([layer_zip] if props.get("Layers") else []),
                environment={k: str(v) for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()},
                timeout=float(props["Timeout"]), runtime=props["Runtime"]))
    return specs


def test_every_packaged_handler_imports_and_answers(tmp_path, no_aws):
    specs = packaged_functions(tmp_path)
    assert len(specs) >= 21
    runtime = LambdaRuntime(specs, runtime_dir=REPO / ".lambda-runtime", log_sink=lambda name, line: None,
                            base_env={**default_base_env(), "AWS_ENDPOINT_URL": no_aws, "AWS_REGION": "us-east-1",
                                      "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
    try:
        with ThreadPoolExecutor(4) as pool:
            answers = dict(zip((s.name for s in specs), pool.map(lambda s: runtime.invoke(s.name, b"{}"), specs)))
    finally:
        runtime.close()
    # An init failure is reported as the init's error (Runtime.*, or a setting checked at cold start); a handler's
    # own answer to an empty event comes from its code, whose last frame is the handler module's or below.
    failures = {name: json.loads(result.payload) for name, result in answers.items()
                if result.function_error and _failed_at_init(json.loads(result.payload))}
    assert failures == {}


def _failed_at_init(error: dict) -> bool:
    return error["errorType"].startswith(("Runtime.", "Sandbox.")) or error["errorType"] == "MissingSetting" \
        or not error.get("requestId")
