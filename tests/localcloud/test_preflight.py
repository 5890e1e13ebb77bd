"""What the local cloud checks before it starts: each missing thing is one line that names its fix."""
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from localcloud import preflight
from localcloud.iot.broker import BrokerUnavailable
from tests.support.cloud import free_port

REPO = Path(__file__).resolve().parents[2]


def test_given_no_layer_build_then_the_fix_is_make_layer(tmp_path):
    with pytest.raises(preflight.NotReady, match=r"not built .*: run `make layer` first$"):
        preflight.layer_built(tmp_path / "layer")


def test_given_a_built_layer_then_nothing_is_said(tmp_path):
    (tmp_path / "layer" / "python" / "lambda_shared").mkdir(parents=True)

    preflight.layer_built(tmp_path / "layer")


def test_given_no_mosquitto_then_the_fix_is_make_install():
    def not_found():
        raise BrokerUnavailable("mosquitto is not installed")

    with pytest.raises(preflight.NotReady, match=r"mosquitto .* is not installed: run `make install`"):
        preflight.mosquitto_installed(find=not_found)


def test_given_mosquitto_then_its_path_is_found():
    assert preflight.mosquitto_installed(find=lambda: "/usr/sbin/mosquitto") == "/usr/sbin/mosquitto"


def test_given_no_chromium_then_the_fix_is_make_install(tmp_path):
    with pytest.raises(preflight.NotReady, match=r"chromium is not installed .*: run `make install`"):
        preflight.chromium_installed(str(tmp_path / "no-such-chromium"))


def test_given_a_port_another_process_listens_on_then_the_fix_names_the_option():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        with pytest.raises(preflight.PortInUse) as refused:
            preflight.port_free("127.0.0.1", port, "--edge-port")

    assert str(refused.value).startswith(f"port {port} is in use by another process")
    assert "stop it or pass --edge-port" in str(refused.value)


def test_given_a_free_port_then_nothing_is_said():
    preflight.port_free("127.0.0.1", free_port(), "--api-port")


def test_given_the_edge_port_taken_when_the_cloud_starts_then_it_exits_2_with_one_line_naming_the_fix():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        started = subprocess.run([sys.executable, "-m", "localcloud", "--edge-port", str(port),
                                  "--api-port", str(free_port()), "--mqtt-port", str(free_port())],
                                 cwd=REPO, capture_output=True, text=True, timeout=60)

    assert started.returncode == 2
    assert started.stderr.strip().splitlines() == [
        f"localcloud: port {port} is in use by another process (another `make local`?): stop it or pass "
        f"--edge-port (see `ss -ltnp 'sport = :{port}'`)"]
