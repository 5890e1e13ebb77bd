"""The local AWS IoT Core's device gateway: the MQTT endpoint devices connect to (127.0.0.1:8883), in front of
mosquitto, playing the front door of AWS IoT's message broker.

Per connection:
1. mutual TLS (1.2 or 1.3) with the local IoT CA: a client without a certificate, or with one the CA did not sign,
   fails the handshake;
2. the certificate must be registered in the local IoT registry (moto's iot backend, read in this process; AWS's
   certificate id is the SHA-256 of its DER) with status ACTIVE, or the connection ends before any MQTT byte;
3. every packet is decided by localcloud/iot/session.py against the policies attached to that certificate at that
   moment (what is refused and how is documented there); the CONNECT reaches mosquitto with the gateway's own login;
4. otherwise bytes are forwarded as they came: packets are framed, and only CONNECT, PUBLISH and SUBSCRIBE are read;
5. fault injection (localcloud/faults/), when rules stand: a PUBLISH either way may be dropped (after it was
   acknowledged to its sender) or delayed, and a client's connection cut (`faults`, `cut`).

One asyncio loop in one thread serves every connection (the per-connection cost is a TLS session, two small
buffers and a dict lookup per packet). TCP_NODELAY on both sides: small MQTT packets must not wait for delayed ACKs.
"""
from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
from concurrent.futures import TimeoutError as FutureTimeout

from cryptography import x509

from localcloud.iot import mqtt_packets as mp
from localcloud.iot.broker import BrokerLogin
from localcloud.iot.certificates import CertificateAuthority
from localcloud.iot.registry import Registry, certificate_id
from localcloud.iot.session import MAX_PACKET, DeviceSession

log = logging.getLogger("localcloud.iot")
READ_SIZE = 64 * 1024
CONNECT_TIMEOUT = 10.0       # a device that opened TLS must send its CONNECT within this
HANDSHAKE_TIMEOUT = 10.0
CLOSE_TIMEOUT = 2.0
START_TIMEOUT = 10.0


class GatewayUnavailable(RuntimeError):
    pass


def _no_delay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def tls_context(ca: CertificateAuthority) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2      # AWS IoT Core: TLS 1.2 and 1.3
    context.load_cert_chain(str(ca.server_cert), str(ca.server_key))
    context.load_verify_locations(cafile=str(ca.ca_cert))
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class IotGateway:
    def __init__(self, *, host: str, port: int, ca: CertificateAuthority, registry: Registry,
                 broker: tuple[str, int], login: BrokerLogin):
        self.host, self.port = host, port
        self._ca, self._registry, self._broker, self._login = ca, registry, broker, login
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task] = set()
        self._clients: dict[str, set[asyncio.StreamWriter]] = {}   # connected client id -> its device connections
        # localcloud/faults/part.py: mqtt_message(topic, client_id) -> None or a drop/delay rule; mqtt_connect(id).
        self.faults = None

    @property
    def endpoint(self) -> str:
        return f"mqtts://{self.host}:{self.port}"

    # --- lifecycle (called from the local cloud's threads) ------------------------------------------------------------
    def start(self) -> None:
        context = tls_context(self._ca)
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._server = self._loop.run_until_complete(asyncio.start_server(
                    self._serve, self.host, self.port, ssl=context, ssl_handshake_timeout=HANDSHAKE_TIMEOUT,
                    reuse_address=True, limit=READ_SIZE))
            except BaseException as exc:        # noqa: BLE001 - handed to start()'s caller
                failure.append(exc)
                started.set()
                return
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="localcloud-iot-gateway", daemon=True)
        self._thread.start()
        if not started.wait(START_TIMEOUT) or failure:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=START_TIMEOUT)
            self._loop.close()
            raise GatewayUnavailable(f"the IoT gateway could not listen on {self.host}:{self.port}: "
                                     f"{failure[0] if failure else 'timed out'} (is another `make local` running?)")

    def stop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=START_TIMEOUT)
        except (FutureTimeout, RuntimeError):
            log.warning("the IoT gateway did not close every connection in time")
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=START_TIMEOUT)
        loop.close()

    def cut(self, client_id: str) -> None:
        """Cut the connections of this client now, as far as the fault rules say (any thread)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._cut, client_id)

    def _cut(self, client_id: str) -> None:
        for writer in list(self._clients.get(client_id, ())):
            if self.faults is not None and self.faults.mqtt_connect(client_id):
                writer.transport.abort()

    async def _shutdown(self) -> None:
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    # --- one device connection (the loop's thread) --------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            await self._connection(reader, writer)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            pass                              # the device or the broker went away: nothing to say to either
        except asyncio.CancelledError:
            pass                              # the local cloud stops
        except Exception:
            log.exception("IoT gateway: a connection failed")
        finally:
            self._connections.discard(task)
            await _close(writer)

    async def _connection(self, reader, writer) -> None:
        _no_delay(writer)
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        registered = self._registry.certificate(der)
        if registered is None or not registered.active:
            # AWS ends the TLS connection of a certificate it does not know or that is not ACTIVE.
            log.info("IoT gateway: refused certificate %s: %s", certificate_id(der)[:12],
                     "not registered" if registered is None else registered.status)
            writer.transport.abort()
            return
        peer = writer.get_extra_info("peername") or ("", 0)
        session = DeviceSession(registered, x509.load_der_x509_certificate(der), self._registry, source_ip=peer[0],
                                broker_username=self._login.username, broker_password=self._login.password)
        splitter = mp.PacketSplitter(MAX_PACKET)
        packets: list[mp.Packet] = []
        while not packets:
            data = await asyncio.wait_for(reader.read(READ_SIZE), CONNECT_TIMEOUT)
            if not data:
                return
            packets = self._split(splitter, data, session)
            if packets is None:
                return
        outcome = _decide(session.from_client, session, packets[0])
        if outcome.to_client:
            writer.write(outcome.to_client)
        if outcome.close:
            self._refused(session, outcome.refusal)
            return
        if self.faults is not None and self.faults.mqtt_connect(session.client_id):
            writer.transport.abort()
            return
        broker_reader, broker_writer = await asyncio.open_connection(*self._broker, limit=READ_SIZE)
        connected = self._clients.setdefault(session.client_id, set())
        connected.add(writer)
        try:
            _no_delay(broker_writer)
            broker_writer.write(outcome.to_broker)
            if self._from_client(session, packets[1:], writer, broker_writer):
                await self._relay(session, reader, splitter, writer, broker_reader, broker_writer)
        finally:
            connected.discard(writer)
            if not connected and self._clients.get(session.client_id) is connected:
                del self._clients[session.client_id]
            # Without a DISCONNECT from the device, the broker sees an unexpected loss and publishes any will.
            await _close(broker_writer)

    async def _relay(self, session, reader, splitter, writer, broker_reader, broker_writer) -> None:
        """Both directions at once, until either side closes or a packet ends the connection."""
        upstream = asyncio.ensure_future(self._pump_client(session, reader, splitter, writer, broker_writer))
        downstream = asyncio.ensure_future(self._pump_broker(session, broker_reader, writer, broker_writer))
        try:
            await asyncio.wait({upstream, downstream}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in (upstream, downstream):
                pump.cancel()
            await asyncio.gather(upstream, downstream, return_exceptions=True)

    def _split(self, splitter: mp.PacketSplitter, data: bytes, session: DeviceSession) -> list[mp.Packet] | None:
        try:
            return splitter.feed(data)
        except mp.MalformedPacket as exc:
            self._refused(session, str(exc))
            return None

    async def _pump_client(self, session, reader, splitter, writer, broker_writer) -> None:
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                return
            packets = self._split(splitter, data, session)
            if packets is None or not self._from_client(session, packets, writer, broker_writer):
                return
            await broker_writer.drain()
            await writer.drain()

    async def _pump_broker(self, session, broker_reader, writer, broker_writer) -> None:
        splitter = mp.PacketSplitter(1 << 28)          # the broker is trusted to frame what it sends
        while True:
            data = await broker_reader.read(READ_SIZE)
            if not data:
                return
            forward = []
            for packet in splitter.feed(data):
                outcome = _decide(session.from_broker, session, packet)
                if outcome.close:
                    log.error("IoT gateway: the broker sent %s a packet the gateway cannot read: %s",
                              session.client_id, outcome.refusal)
                    writer.write(b"".join(forward))
                    return
                forward.append(self._unless_faulted(session, packet, outcome.to_client, writer, broker_writer))
                if outcome.to_broker:
                    broker_writer.write(outcome.to_broker)
                if outcome.refusal:
                    log.debug("IoT gateway: %s not delivered to %s: %s", packet.kind, session.client_id,
                              outcome.refusal)
            writer.write(b"".join(forward))
            await writer.drain()
            await broker_writer.drain()

    def _from_client(self, session: DeviceSession, packets: list[mp.Packet], writer, broker_writer) -> bool:
        """Decide each packet; forward what passes in one write. False: the connection ends."""
        forward = []
        for packet in packets:
            outcome = _decide(session.from_client, session, packet)
            forward.append(self._unless_faulted(session, packet, outcome.to_broker, broker_writer, writer))
            if outcome.to_client:
                writer.write(outcome.to_client)
            if outcome.close:
                broker_writer.write(b"".join(forward))
                self._refused(session, outcome.refusal)
                return False
            if outcome.refusal:
                log.info("IoT gateway: %s: %s", session.client_id, outcome.refusal)
        broker_writer.write(b"".join(forward))
        return True

    def _unless_faulted(self, session: DeviceSession, packet: mp.Packet, passing: bytes, onward, back) -> bytes:
        """The bytes to forward now: `passing`, or nothing when a fault rule drops the PUBLISH (acknowledged on
        `back` at QoS 1, so its sender believes it delivered) or delays it (written on `onward` later)."""
        if self.faults is None or packet.kind != mp.PUBLISH or not passing:
            return passing
        publish = mp.parse_publish(packet, session.level)
        rule = self.faults.mqtt_message(publish.topic, session.client_id) if publish.topic else None
        if rule is None:
            return passing
        if rule.kind == "mqtt-delay":
            self._loop.call_later(rule.latency_ms / 1000, _write_unless_closed, onward, passing)
        elif publish.qos == 1:
            back.write(mp.puback(publish.packet_id))
        return b""

    @staticmethod
    def _refused(session: DeviceSession, why: str) -> None:
        log.info("IoT gateway: closed the connection of client %r (certificate %s): %s", session.client_id,
                 session.certificate.certificate_id[:12], why)


def _decide(decide, session: DeviceSession, packet: mp.Packet):
    try:
        return decide(packet)
    except mp.MalformedPacket as exc:
        return session.malformed(str(exc))


def _write_unless_closed(writer: asyncio.StreamWriter, data: bytes) -> None:
    if not writer.transport.is_closing():
        writer.write(data)


async def _close(writer: asyncio.StreamWriter) -> None:
    if writer.transport.is_closing():
        return
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), CLOSE_TIMEOUT)
    except (ConnectionError, ssl.SSLError, asyncio.TimeoutError, asyncio.CancelledError):
        writer.transport.abort()
