"""`python -m workers.onprem.onboard --tenant acme --out certs/`: a tenant's worker identity in AWS IoT Core, made by
the four steps an operator takes on AWS (README, "On AWS"), through boto3, so the same command works against AWS and
against the local cloud (AWS_ENDPOINT_URL=http://127.0.0.1:4566):

1. CreateKeysAndCertificate, active          -> <out>/<tenant>.crt, <out>/<tenant>.key (0600)
2. CreateThing <tenant>                       (the thing name is the tenant, and the worker's MQTT client id)
3. AttachThingPrincipal <tenant> <certificate ARN>
4. AttachPolicy <TenantWorkerPolicyName> <certificate ARN>

The policy's name is the iot-callback service's TenantWorkerPolicyName output recorded in env.json for --stage,
unless --policy-name gives it. With --unless-registered nothing is made when <out>/<tenant>.crt is a certificate the
registry holds as ACTIVE (its id is the SHA-256 of its DER, as AWS IoT computes it): `make worker` onboards a tenant
once per run of the local cloud, which keeps no state across restarts.

An operator's tool, run from the repository (boto3 from its environment); the worker itself needs only paho-mqtt.
The private key is written once, to a 0600 file, and never printed: AWS cannot return it again either.
"""
import argparse
import hashlib
import json
import os
import ssl
import sys
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from workers.onprem.config import LOCAL_TENANT_CERTS, REPO


def policy_name_from_outputs(stage: str, env_file: Path = REPO / "env.json") -> str:
    outputs = json.loads(env_file.read_text())["stages"].get(stage, {}).get("outputs", {}).get("iot-callback", {})
    name = outputs.get("TenantWorkerPolicyName")
    if not name:
        raise SystemExit(f"env.json has no TenantWorkerPolicyName output of iot-callback for stage {stage!r}: deploy "
                         "iot-callback first (make deploy, or make local), or pass --policy-name")
    return name


def certificate_id(certificate_pem: str) -> str:
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(certificate_pem)).hexdigest()


def registered_and_active(iot, certificate_file: Path) -> bool:
    if not certificate_file.exists():
        return False
    try:
        described = iot.describe_certificate(certificateId=certificate_id(certificate_file.read_text()))
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return False
        raise
    return described["certificateDescription"]["status"] == "ACTIVE"


def _write(path: Path, text: str, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.chmod(path, mode)


def onboard(iot, tenant: str, policy_name: str, out: Path) -> dict:
    """The four operator steps. Returns the certificate's ARN and id and where its files are."""
    created = iot.create_keys_and_certificate(setAsActive=True)
    arn = created["certificateArn"]
    out.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = out / f"{tenant}.crt", out / f"{tenant}.key"
    _write(key_file, created["keyPair"]["PrivateKey"], 0o600)
    _write(cert_file, created["certificatePem"], 0o644)
    iot.create_thing(thingName=tenant)          # idempotent on AWS for an existing thing of that name
    iot.attach_thing_principal(thingName=tenant, principal=arn)
    iot.attach_policy(policyName=policy_name, target=arn)
    return {"certificateArn": arn, "certificateId": created["certificateId"], "cert": str(cert_file),
            "key": str(key_file)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.onprem.onboard", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", required=True, help="the tenant: its thing name and its worker's client id")
    parser.add_argument("--out", type=Path, default=LOCAL_TENANT_CERTS,
                        help="where to write <tenant>.crt and <tenant>.key (default: the local cloud's "
                             f"{LOCAL_TENANT_CERTS.relative_to(REPO)}, where the worker looks by default)")
    parser.add_argument("--policy-name", help="the IoT policy to attach (default: iot-callback's "
                                              "TenantWorkerPolicyName output in env.json for --stage)")
    parser.add_argument("--stage", default="local", help="the stage whose outputs name the policy (default: local)")
    parser.add_argument("--region", help="AWS region (default: boto3's, e.g. AWS_REGION)")
    parser.add_argument("--unless-registered", action="store_true",
                        help="do nothing when <out>/<tenant>.crt is already a registered, ACTIVE certificate")
    args = parser.parse_args(argv)
    iot = boto3.client("iot", region_name=args.region)    # AWS_ENDPOINT_URL, when set, points it at the local cloud
    try:
        if args.unless_registered and registered_and_active(iot, args.out / f"{args.tenant}.crt"):
            print(f"{args.tenant}: its certificate in {args.out} is registered and active; nothing to do")
            return 0
        policy_name = args.policy_name or policy_name_from_outputs(args.stage)
        made = onboard(iot, args.tenant, policy_name, args.out)
    except EndpointConnectionError as exc:
        print(f"onboard: {exc} (is the local cloud running? `make local`)", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as exc:
        print(f"onboard: {exc}", file=sys.stderr)
        return 2
    print(f"{args.tenant}: certificate {made['certificateId']} ({made['certificateArn']}), thing {args.tenant} "
          f"attached, policy {policy_name} attached; wrote {made['cert']} and {made['key']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
