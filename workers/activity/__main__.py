"""`python -m workers.activity` (make activity-worker): an activity worker against the local cloud or AWS.

The activity ARN defaults to the queue-callback service's output recorded in env.json for the stage; the endpoint
to AWS_ENDPOINT_URL, or the local cloud's edge on stage local.
"""
import argparse
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import boto3
from botocore.config import Config

from workers.activity.worker import ActivityWorker

REPO = Path(__file__).resolve().parents[2]


def default_activity_arn(stage: str) -> str | None:
    outputs = json.loads((REPO / "env.json").read_text())["stages"].get(stage, {}).get("outputs", {})
    return outputs.get("queue-callback", {}).get("OrderActivityArn")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.activity", description=__doc__)
    parser.add_argument("--stage", default="local")
    parser.add_argument("--activity-arn")
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL"))
    parser.add_argument("--name", default=f"{socket.gethostname()}-{os.getpid()}")
    parser.add_argument("--heartbeat-seconds", type=float, default=1.0)
    parser.add_argument("--once", action="store_true", help="take one task (or one empty poll), then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    activity_arn = args.activity_arn or default_activity_arn(args.stage)
    if not activity_arn:
        print("no activity ARN: pass --activity-arn, or start the local cloud (make local) first", file=sys.stderr)
        return 2
    endpoint = args.endpoint or ("http://127.0.0.1:4566" if args.stage == "local" else None)
    local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"} if args.stage == "local" else {}
    # GetActivityTask holds the request up to 60 s: the socket must wait longer than that (AWS advises 65 s).
    sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"),
                       config=Config(read_timeout=70, retries={"mode": "standard", "max_attempts": 5}), **local)
    worker = ActivityWorker(sfn, activity_arn, args.name, args.heartbeat_seconds)
    signal.signal(signal.SIGTERM, lambda *_: worker.stopping.set())
    print(f"activity worker {args.name} ready", flush=True)
    try:
        if args.once:
            worker.run_once()
        else:
            worker.run_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
