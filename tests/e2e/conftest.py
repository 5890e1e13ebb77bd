"""e2e tier: the local cloud runs as `make local` runs it (python -m localcloud, a real subprocess), and the tests
use only its public surfaces: its API Gateway, its AWS endpoint, the mailbox, MQTT.

It listens on free ports picked here (not 4566/3000/8883), so `make test` works while a `make local` is running.
"""
import os
from pathlib import Path

import pytest

from tests.support.cloud import Cloud, free_port, running_cloud, start_calculation  # noqa: F401 (the tests' API)

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output"

# Chosen once per test process (this module may be imported under two names), kept where worker programs see them.
for _name in ("LOCALCLOUD_E2E_EDGE_PORT", "LOCALCLOUD_E2E_API_PORT", "LOCALCLOUD_E2E_MQTT_PORT"):
    os.environ.setdefault(_name, str(free_port()))
EDGE_PORT, API_PORT, MQTT_PORT = (int(os.environ[f"LOCALCLOUD_E2E_{n}_PORT"]) for n in ("EDGE", "API", "MQTT"))
EDGE, API = f"http://127.0.0.1:{EDGE_PORT}", f"http://127.0.0.1:{API_PORT}"
# Tests and the worker programs they start read these, like a user's shell would.
os.environ["LOCALCLOUD_EDGE_URL"] = EDGE
os.environ["LOCALCLOUD_MQTT_PORT"] = str(MQTT_PORT)


@pytest.fixture(scope="session")
def cloud() -> Cloud:
    with running_cloud(REPO, OUTPUT / "localcloud.log", edge_port=EDGE_PORT, api_port=API_PORT,
                       mqtt_port=MQTT_PORT) as running:
        yield running
