"""The Lambda sandbox itself: a cold start and a warm invoke of a function loaded as AWS loads it (its package's
zip, the layer's zip, the runtime's libraries only), measured on the runtime directly, outside any HTTP hop."""
import json
import tempfile
import time
from pathlib import Path

from bench.harness import REPO, cpu_ms, median
from localcloud.serverless import services
from localcloud.lambda_.artifacts import Unpacked
from localcloud.lambda_.runtime import FunctionSpec, LambdaRuntime, default_base_env

COLD_STARTS = 5
WARM_INVOKES = 500


def _spec(packages: dict, unpacked: Unpacked, service: str, function: str) -> FunctionSpec:
    package, layer = packages[service], packages["shared"]
    props = package.template["Resources"][function]["Properties"]
    layer_key = layer.template["Resources"]["SharedLambdaLayer"]["Properties"]["Content"]["S3Key"]
    variables = {k: v if isinstance(v, str) else "bench" for k, v in props["Environment"]["Variables"].items()}
    return FunctionSpec(name=props["FunctionName"], handler=props["Handler"],
                        code_dir=unpacked.code(package.artifact(props["Code"]["S3Key"])),
                        opt_dir=unpacked.opt([layer.artifact(layer_key)]), environment=variables, timeout=10,
                        tracing=True)


def run(report) -> None:
    packages = services.package_all(services.discover(), "local")
    with tempfile.TemporaryDirectory() as state:
        spec = _spec(packages, Unpacked(Path(state)), "orchestrator", "CalculateLambdaFunction")
        base_env = {**default_base_env(), "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench",
                    "AWS_SECRET_ACCESS_KEY": "bench"}
        event = json.dumps({"x": 1, "y": 2}).encode()
        cold_ms, cold_cpu, warm_ms = [], [], []
        for _ in range(COLD_STARTS):
            runtime = LambdaRuntime([spec], runtime_dir=REPO / ".lambda-runtime", base_env=base_env,
                                    log_sink=lambda name, line: None)
            try:
                started = time.perf_counter()
                runtime.invoke(spec.name, event)
                cold_ms.append((time.perf_counter() - started) * 1000)
                (worker,) = runtime._workers
                cold_cpu.append(cpu_ms(worker.pid))
                for _ in range(WARM_INVOKES // COLD_STARTS):
                    started = time.perf_counter()
                    runtime.invoke(spec.name, event)
                    warm_ms.append((time.perf_counter() - started) * 1000)
            finally:
                runtime.close()
    report("Lambda sandbox cold start, orchestrator calculate (median wall ms)", f"{median(cold_ms):.0f}")
    report("Lambda sandbox cold start, CPU of the worker (median ms)", f"{median(cold_cpu):.0f}")
    report("Lambda sandbox warm invoke, no HTTP (median ms)", f"{median(warm_ms):.2f}")
