"""mosquitto behind the IoT gateway: only the logins the local cloud generated get in, on an internal port."""
import os
import socket
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from localcloud.iot import broker as broker_module
from localcloud.iot.broker import BrokerLogin, MosquittoBroker


def connack(address, username=None, password=None) -> str:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="probe", protocol=mqtt.MQTTv5)
    if username:
        client.username_pw_set(username, password)
    answers = []
    client.on_connect = lambda _c, _u, _f, code, _p: answers.append(str(code))
    client.connect(*address)
    client.loop_start()
    deadline = time.monotonic() + 5
    while not answers and time.monotonic() < deadline:
        time.sleep(0.02)
    client.disconnect()
    client.loop_stop()
    return answers[0] if answers else "no answer"


@pytest.fixture
def running(tmp_path):
    started = MosquittoBroker(tmp_path / "broker", [BrokerLogin("gateway", "s3cret")])
    started.start()
    yield started
    started.stop()


def test_the_password_file_is_private_and_holds_no_password_in_clear(running):
    password_file = running.folder / "passwords"

    assert password_file.stat().st_mode & 0o777 == 0o600
    assert "s3cret" not in password_file.read_text() and password_file.read_text().startswith("gateway:$7$101$")


def test_only_a_generated_login_gets_in(running):
    assert connack(running.address, "gateway", "s3cret") == "Success"
    assert connack(running.address, "gateway", "wrong") == "Not authorized"
    assert connack(running.address) == "Not authorized"


def test_given_the_chosen_internal_port_is_taken_when_mosquitto_starts_then_it_takes_another(tmp_path, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([taken.getsockname()[1]])
        real_free_port = broker_module.free_port
        monkeypatch.setattr(broker_module, "free_port", lambda host: next(ports, None) or real_free_port(host))
        started = MosquittoBroker(tmp_path / "broker", [BrokerLogin("gateway", "s3cret")])

        started.start()
        try:
            assert started.port != taken.getsockname()[1]
            assert connack(started.address, "gateway", "s3cret") == "Success"
        finally:
            started.stop()


def _listening_ports(pid: int) -> set[int]:
    """The TCP ports a process listens on, read from /proc (state 0A = LISTEN)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")
def test_mosquitto_listens_on_its_internal_port_only(running):
    assert _listening_ports(running._process.pid) == {running.port}
