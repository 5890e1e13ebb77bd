"""Where the worker connects and with which certificate: flags, then environment variables, then local defaults."""
import argparse
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCAL_CERTS = REPO / ".localcloud" / "mqtt" / "certs"              # the local IoT CA (ca.crt), made by `make local`
LOCAL_TENANT_CERTS = REPO / ".localcloud" / "mqtt" / "tenants"     # <tenant>.crt/.key, made by workers.onprem.onboard
DEFAULT_JOB = "workers.onprem.jobs:add"


@dataclass(frozen=True)
class WorkerConfig:
    tenant: str
    endpoint: str
    port: int
    ca: Path
    cert: Path
    key: Path
    client_id: str
    job: str
    shutdown_grace: float
    max_backoff: float

    @property
    def topics(self) -> dict[str, str]:
        return {channel: f"tenants/{self.tenant}/{channel}"
                for channel in ("jobs", "control", "results", "heartbeat", "progress")}


def parse(argv=None) -> WorkerConfig:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m workers.onprem", description=__doc__)
    parser.add_argument("--tenant", default=env("WORKER_TENANT"), help="the tenant whose jobs to run [WORKER_TENANT]")
    parser.add_argument("--endpoint", default=env("WORKER_MQTT_ENDPOINT", "127.0.0.1"),
                        help="MQTT broker host; AWS IoT: your xxxx-ats.iot.<region>.amazonaws.com "
                             "[WORKER_MQTT_ENDPOINT]")
    parser.add_argument("--port", type=int, default=int(env("WORKER_MQTT_PORT") or env("LOCALCLOUD_MQTT_PORT") or 8883),
                        help="[WORKER_MQTT_PORT, else the local cloud's LOCALCLOUD_MQTT_PORT, else 8883]")
    parser.add_argument("--ca", default=env("WORKER_CA_FILE"), help="CA bundle that signed the broker's certificate; "
                        "AWS IoT: AmazonRootCA1.pem [WORKER_CA_FILE]")
    parser.add_argument("--cert", default=env("WORKER_CERT_FILE"), help="client certificate [WORKER_CERT_FILE]")
    parser.add_argument("--key", default=env("WORKER_KEY_FILE"), help="client private key [WORKER_KEY_FILE]")
    parser.add_argument("--client-id", default=env("WORKER_CLIENT_ID"),
                        help="MQTT client id; the tenant's IoT policy allows only its thing name, the tenant "
                             "[WORKER_CLIENT_ID]")
    parser.add_argument("--job", default=env("WORKER_JOB", DEFAULT_JOB),
                        help=f"the job function, module:function [WORKER_JOB, default {DEFAULT_JOB}]")
    parser.add_argument("--shutdown-grace", type=float, default=float(env("WORKER_SHUTDOWN_GRACE", "8")),
                        help="seconds running jobs get to finish after SIGTERM [WORKER_SHUTDOWN_GRACE]")
    parser.add_argument("--max-backoff", type=float, default=float(env("WORKER_MAX_BACKOFF", "30")),
                        help="longest wait between reconnection attempts, seconds [WORKER_MAX_BACKOFF]")
    args = parser.parse_args(argv)
    if not args.tenant:
        parser.error("--tenant (or WORKER_TENANT) is required")
    return WorkerConfig(
        tenant=args.tenant,
        endpoint=args.endpoint,
        port=args.port,
        ca=Path(args.ca or LOCAL_CERTS / "ca.crt"),
        cert=Path(args.cert or LOCAL_TENANT_CERTS / f"{args.tenant}.crt"),
        key=Path(args.key or LOCAL_TENANT_CERTS / f"{args.tenant}.key"),
        client_id=args.client_id or args.tenant,
        job=args.job,
        shutdown_grace=args.shutdown_grace,
        max_backoff=args.max_backoff,
    )
