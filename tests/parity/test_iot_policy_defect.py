"""An IoT policy keyed on the wrong policy variable: on AWS the worker connects but cannot subscribe to its jobs
(AWS IoT closes the connection of a client that subscribes outside its policy), so it never takes a job."""
import os
import subprocess
import sys
import time

import pytest

from tests.parity.conftest import edit

THING_NAME = "{iot:Connection.Thing.ThingName}/jobs"
# What the policy said before it was fixed: every CreateKeysAndCertificate certificate has this CN.
COMMON_NAME = "{iot:Certificate.Subject.CommonName}/jobs"


def subscribe_by_common_name(repo):
    policy = repo / "services/iot-callback/iot-tenant-policy.yml"
    edit(policy, f"':topicfilter/tenants/$', '{THING_NAME}'", f"':topicfilter/tenants/$', '{COMMON_NAME}'")


def test_a_policy_keyed_on_the_certificates_common_name_leaves_the_worker_unable_to_subscribe(cloud_with, tmp_path):
    with cloud_with(subscribe_by_common_name, services="iot-callback") as cloud:
        repo = tmp_path / "repo"
        env = {**os.environ, "AWS_ENDPOINT_URL": cloud.edge_url, "AWS_ACCESS_KEY_ID": "parity",
               "AWS_SECRET_ACCESS_KEY": "parity", "AWS_DEFAULT_REGION": "us-east-1"}
        onboarded = subprocess.run([sys.executable, "-m", "workers.onprem.onboard", "--tenant", "tenant1",
                                    "--out", str(tmp_path / "certs")], cwd=repo, env=env, capture_output=True,
                                   text=True, timeout=60)
        assert onboarded.returncode == 0, onboarded.stderr
        log_path = tmp_path / "worker.log"
        with open(log_path, "wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "workers.onprem", "--tenant", "tenant1",
                                       "--port", str(cloud.mqtt_port), "--cert", str(tmp_path / "certs/tenant1.crt"),
                                       "--key", str(tmp_path / "certs/tenant1.key"), "--max-backoff", "1"],
                                      cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            refusal = cloud.wait_for_log_line("IoT gateway", "tenant1", "tenants/tenant1/jobs", timeout=30)
            deadline = time.monotonic() + 30
            while log_path.read_text().count("disconnected") < 2:     # it comes back, and is refused again
                if time.monotonic() > deadline:
                    pytest.fail(f"the worker was not disconnected twice:\n{log_path.read_text()}")
                time.sleep(0.1)
        finally:
            worker.terminate()
            worker.wait(timeout=20)

    assert "iot:Subscribe" in refusal
    assert "ready: waiting for jobs" not in log_path.read_text()
