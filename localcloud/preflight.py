"""What the local cloud needs from the machine, checked before anything starts: each missing thing fails with one
line that names its fix, instead of an error from deep inside a part (osls's "No file matches include / exclude
patterns" for a layer never built, a traceback from werkzeug's bind for a port taken).
"""
import errno
import shutil
import socket
from pathlib import Path

from localcloud.iot.broker import BrokerUnavailable, find_mosquitto
from localcloud.serverless.layer import LAYER

CHROMIUM = "/usr/bin/chromium"   # where the console's browser tests launch it (tests/e2e/test_console.py)


class NotReady(RuntimeError):
    """Something the local cloud needs is missing; the message is one line that says what to do."""


class PortInUse(NotReady):
    pass


def layer_built(layer: Path = LAYER) -> None:
    if not (layer / "python" / "lambda_shared").is_dir():
        raise NotReady(f"the shared Lambda layer is not built ({layer} is missing): run `make layer` first")


def mosquitto_installed(find=find_mosquitto) -> str:
    try:
        return find()
    except BrokerUnavailable:
        raise NotReady("mosquitto (the MQTT broker behind the local IoT Core) is not installed: run `make install` "
                       "(or `sudo apt-get install mosquitto`)") from None


def chromium_installed(path: str = CHROMIUM) -> str:
    """The console's browser tests need it; the local cloud itself does not."""
    if not (Path(path).is_file() or shutil.which(Path(path).name)):
        raise NotReady(f"chromium is not installed (the console's browser tests launch {path}): run `make install` "
                       "(or `sudo apt-get install chromium`)")
    return path


def port_free(host: str, port: int, option: str) -> None:
    """Bind the port as the servers will (with SO_REUSEADDR, so a socket of a stopped cloud in TIME_WAIT is no
    obstacle): refused, another process holds it."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(f"port {port} is in use by another process (another `make local`?): stop it or pass "
                            f"{option} (see `ss -ltnp 'sport = :{port}'`)") from None


def check(host: str, ports: dict[str, int]) -> None:
    """Everything `python -m localcloud` needs; ports maps each command-line option to its port."""
    for option, port in ports.items():
        port_free(host, port, option)
    layer_built()
    mosquitto_installed()
