"""MQTT 3.1.1 and 5.0 packets, read only as far as the IoT gateway must to decide, and the few it writes itself.

The gateway forwards every packet's bytes as they came; it parses a CONNECT (to authorize it and to put the broker's
credentials in it), the topic, QoS, flags and packet id of a PUBLISH, and the filters of a SUBSCRIBE. Everything
else is framed (fixed header and remaining length) and passed on untouched.

Specifications: MQTT 3.1.1 (OASIS, 2014) and MQTT 5.0 (OASIS, 2019); section numbers below are MQTT 5.0's.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

# Control packet types (2.1.2)
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 8, 9, 10, 11, 12, 13, 14, 15

MQTT_311, MQTT_5 = 4, 5          # protocol levels in CONNECT

# Reason codes the gateway sends (MQTT 5, 2.4)
MALFORMED_PACKET = 0x81
NOT_AUTHORIZED = 0x87
PACKET_TOO_LARGE = 0x95
# MQTT 3.1.1 CONNACK return code (3.2.2.3)
V311_UNACCEPTABLE_PROTOCOL_VERSION = 0x01

# Properties (2.2.2.2): identifier -> how its value is encoded
TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS = 0x22, 0x23
_BYTE, _TWO, _FOUR, _VARINT, _STRING, _BINARY, _PAIR = range(7)
_PROPERTY_TYPES = {
    0x01: _BYTE, 0x02: _FOUR, 0x03: _STRING, 0x08: _STRING, 0x09: _BINARY, 0x0B: _VARINT, 0x11: _FOUR,
    0x12: _STRING, 0x13: _TWO, 0x15: _STRING, 0x16: _BINARY, 0x17: _BYTE, 0x18: _FOUR, 0x19: _BYTE,
    0x1A: _STRING, 0x1C: _STRING, 0x1F: _STRING, 0x21: _TWO, 0x22: _TWO, 0x23: _TWO, 0x24: _BYTE, 0x25: _BYTE,
    0x26: _PAIR, 0x27: _FOUR, 0x28: _BYTE, 0x29: _BYTE, 0x2A: _BYTE,
}


class MalformedPacket(ValueError):
    """Bytes that are not an MQTT packet: the connection ends, as a broker must end it (4.13)."""


class PacketTooLarge(MalformedPacket):
    pass


@dataclass(frozen=True)
class Packet:
    kind: int          # control packet type, 1..15
    flags: int         # the low four bits of the first byte
    raw: bytes         # the whole packet, fixed header included: what is forwarded
    body_start: int    # where the variable header starts in raw

    @property
    def body(self) -> memoryview:
        return memoryview(self.raw)[self.body_start:]


# --- framing --------------------------------------------------------------------------------------------------------
def encode_varint(value: int) -> bytes:
    if not 0 <= value <= 268_435_455:
        raise ValueError(f"{value} does not fit a variable byte integer")
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


def decode_varint(data, offset: int) -> tuple[int, int] | None:
    """(value, offset after it), or None when data ends before the integer does."""
    value, shift = 0, 0
    for index in range(offset, min(offset + 4, len(data))):
        byte = data[index]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, index + 1
        shift += 7
    if len(data) - offset >= 4:
        raise MalformedPacket("a variable byte integer longer than four bytes")
    return None


class PacketSplitter:
    """Cuts a byte stream into whole packets. Packets declaring more than max_remaining bytes end the stream before
    their body is read: nothing legitimate is that large, and the peer must not make us buffer it."""

    def __init__(self, max_remaining: int):
        self._buffer = bytearray()
        self._max = max_remaining

    def feed(self, data: bytes) -> list[Packet]:
        self._buffer += data
        buffer, packets, start = self._buffer, [], 0
        view = memoryview(buffer)      # one copy per packet, out of the buffer
        try:
            while len(buffer) - start >= 2:
                decoded = decode_varint(buffer, start + 1)
                if decoded is None:
                    break
                remaining, body_start = decoded
                if remaining > self._max:
                    raise PacketTooLarge(f"a packet of {remaining} bytes (at most {self._max} accepted)")
                end = body_start + remaining
                if end > len(buffer):
                    break
                first = buffer[start]
                packets.append(Packet(first >> 4, first & 0x0F, bytes(view[start:end]), body_start - start))
                start = end
        finally:
            view.release()
        if start:
            del buffer[:start]
        return packets


def frame(kind: int, flags: int, body: bytes) -> bytes:
    return bytes([(kind << 4) | flags]) + encode_varint(len(body)) + body


# --- primitives -----------------------------------------------------------------------------------------------------
def _need(data, offset: int, size: int) -> None:
    if offset + size > len(data):
        raise MalformedPacket("the packet ends in the middle of a field")


def _u16(data, offset: int) -> tuple[int, int]:
    _need(data, offset, 2)
    return (data[offset] << 8) | data[offset + 1], offset + 2


def _binary(data, offset: int) -> tuple[bytes, int]:
    size, offset = _u16(data, offset)
    _need(data, offset, size)
    return bytes(data[offset:offset + size]), offset + size


def _string(data, offset: int) -> tuple[str, int]:
    raw, offset = _binary(data, offset)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPacket("a string that is not UTF-8") from None
    if "\x00" in text:
        raise MalformedPacket("a string holding U+0000")    # 1.5.4
    return text, offset


def _encode_binary(value: bytes) -> bytes:
    if len(value) > 0xFFFF:
        raise ValueError("a string or binary field over 65535 bytes")
    return struct.pack("!H", len(value)) + value


def _encode_string(value: str) -> bytes:
    return _encode_binary(value.encode("utf-8"))


@dataclass(frozen=True)
class Properties:
    """MQTT 5 properties as (identifier, encoded bytes of that property), in their order: kept or dropped whole."""
    items: tuple[tuple[int, bytes], ...] = ()

    def value(self, identifier: int) -> int | None:
        """An integer property's value (Topic Alias, Receive Maximum, ...), or None when absent."""
        for found, raw in self.items:
            if found == identifier:
                kind = _PROPERTY_TYPES[identifier]
                if kind == _BYTE:
                    return raw[1]
                if kind == _TWO:
                    return struct.unpack("!H", raw[1:3])[0]
                if kind == _FOUR:
                    return struct.unpack("!I", raw[1:5])[0]
                if kind == _VARINT:
                    return decode_varint(raw, 1)[0]
                raise ValueError(f"property {identifier:#x} is not an integer")
        return None

    def without(self, *identifiers: int) -> "Properties":
        return Properties(tuple(item for item in self.items if item[0] not in identifiers))

    def encode(self) -> bytes:
        content = b"".join(raw for _, raw in self.items)
        return encode_varint(len(content)) + content


def parse_properties(data, offset: int) -> tuple[Properties, int]:
    length, offset = _varint(data, offset)
    end = offset + length
    _need(data, offset, length)
    items = []
    while offset < end:
        start = offset
        identifier = data[offset]
        kind = _PROPERTY_TYPES.get(identifier)
        offset += 1
        if kind is None:
            raise MalformedPacket(f"unknown property {identifier:#x}")
        if kind == _BYTE:
            offset += 1
        elif kind == _TWO:
            offset += 2
        elif kind == _FOUR:
            offset += 4
        elif kind == _VARINT:
            _, offset = _varint(data, offset)
        elif kind in (_STRING, _BINARY):
            _, offset = _binary(data, offset)
        else:   # a UTF-8 string pair
            _, offset = _binary(data, offset)
            _, offset = _binary(data, offset)
        if offset > end:
            raise MalformedPacket("a property runs past the property length")
        items.append((identifier, bytes(data[start:offset])))
    return Properties(tuple(items)), end


def _varint(data, offset: int) -> tuple[int, int]:
    decoded = decode_varint(data, offset)
    if decoded is None:
        raise MalformedPacket("the packet ends in a variable byte integer")
    return decoded


# --- CONNECT (3.1) --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: Properties = field(default_factory=Properties)


@dataclass(frozen=True)
class Connect:
    protocol_name: str
    level: int                   # 4 = MQTT 3.1.1, 5 = MQTT 5.0
    clean_start: bool            # "clean session" in 3.1.1
    keepalive: int
    client_id: str
    properties: Properties = field(default_factory=Properties)
    will: Will | None = None
    username: str | None = None
    password: bytes | None = None


def parse_connect(packet: Packet) -> Connect:
    data = packet.body
    if packet.kind != CONNECT or packet.flags != 0:
        raise MalformedPacket("not a CONNECT packet")
    name, offset = _string(data, 0)
    _need(data, offset, 4)
    level, flags = data[offset], data[offset + 1]
    keepalive, offset = _u16(data, offset + 2)
    if name != "MQTT" or level not in (MQTT_311, MQTT_5):
        # MQTT 3.1 ("MQIsdp", level 3) and unknown levels: the caller answers "unsupported protocol version".
        return Connect(name, level, bool(flags & 0x02), keepalive, "")
    if flags & 0x01:
        raise MalformedPacket("the reserved CONNECT flag is set")
    properties = Properties()
    if level == MQTT_5:
        properties, offset = parse_properties(data, offset)
    client_id, offset = _string(data, offset)
    will = None
    if flags & 0x04:
        will_properties = Properties()
        if level == MQTT_5:
            will_properties, offset = parse_properties(data, offset)
        will_topic, offset = _string(data, offset)
        will_payload, offset = _binary(data, offset)
        will = Will(will_topic, will_payload, (flags >> 3) & 0x03, bool(flags & 0x20), will_properties)
    elif flags & 0x38:
        raise MalformedPacket("will QoS or retain set without a will")
    username = password = None
    if flags & 0x80:
        username, offset = _string(data, offset)
    if flags & 0x40:
        password, offset = _binary(data, offset)
    if offset != len(data):
        raise MalformedPacket("bytes after the end of the CONNECT payload")
    return Connect(name, level, bool(flags & 0x02), keepalive, client_id, properties, will, username, password)


def encode_connect(connect: Connect) -> bytes:
    flags = 0x02 if connect.clean_start else 0
    if connect.will:
        flags |= 0x04 | (connect.will.qos << 3) | (0x20 if connect.will.retain else 0)
    if connect.username is not None:
        flags |= 0x80
    if connect.password is not None:
        flags |= 0x40
    body = bytearray(_encode_string(connect.protocol_name))
    body += bytes([connect.level, flags]) + struct.pack("!H", connect.keepalive)
    if connect.level == MQTT_5:
        body += connect.properties.encode()
    body += _encode_string(connect.client_id)
    if connect.will:
        if connect.level == MQTT_5:
            body += connect.will.properties.encode()
        body += _encode_string(connect.will.topic) + _encode_binary(connect.will.payload)
    if connect.username is not None:
        body += _encode_string(connect.username)
    if connect.password is not None:
        body += _encode_binary(connect.password)
    return frame(CONNECT, 0, bytes(body))


def connack(level: int, reason: int) -> bytes:
    """A refusing CONNACK: session present 0, the reason (MQTT 5) or return code (3.1.1), no properties."""
    return frame(CONNACK, 0, bytes([0, reason]) + (b"\x00" if level == MQTT_5 else b""))


def connack_reason(packet: Packet) -> int:
    if len(packet.body) < 2:
        raise MalformedPacket("a CONNACK without its reason")
    return packet.body[1]


# --- PUBLISH (3.3) --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Publish:
    topic: str                  # "" when an MQTT 5 topic alias stands for it
    qos: int
    retain: bool
    dup: bool
    packet_id: int | None       # QoS 1 and 2 only
    topic_alias: int | None
    payload_size: int


def parse_publish(packet: Packet, level: int) -> Publish:
    data = packet.body
    qos = (packet.flags >> 1) & 0x03
    if qos == 3:
        raise MalformedPacket("PUBLISH with QoS 3")
    topic, offset = _string(data, 0)
    if "+" in topic or "#" in topic:
        raise MalformedPacket(f"a topic name with a wildcard: {topic!r}")
    packet_id = None
    if qos:
        packet_id, offset = _u16(data, offset)
    alias = None
    if level == MQTT_5:
        properties, offset = parse_properties(data, offset)
        alias = properties.value(TOPIC_ALIAS)
    return Publish(topic, qos, bool(packet.flags & 0x01), bool(packet.flags & 0x08), packet_id, alias,
                   len(data) - offset)


def puback(packet_id: int) -> bytes:
    """A PUBACK meaning success in both versions (MQTT 5 lets a success PUBACK omit its reason code, 3.4.2.1)."""
    return frame(PUBACK, 0, struct.pack("!H", packet_id))


# --- SUBSCRIBE (3.8) ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Subscribe:
    packet_id: int
    filters: tuple[tuple[str, int], ...]     # (topic filter, requested QoS)


def parse_subscribe(packet: Packet, level: int) -> Subscribe:
    data = packet.body
    if packet.flags != 0x02:
        raise MalformedPacket("SUBSCRIBE flags must be 0010")
    packet_id, offset = _u16(data, 0)
    if level == MQTT_5:
        _, offset = parse_properties(data, offset)
    filters = []
    while offset < len(data):
        topic_filter, offset = _string(data, offset)
        _need(data, offset, 1)
        filters.append((topic_filter, data[offset] & 0x03))
        offset += 1
    if not filters:
        raise MalformedPacket("a SUBSCRIBE without a topic filter")
    return Subscribe(packet_id, tuple(filters))


# --- DISCONNECT (3.14) ----------------------------------------------------------------------------------------------
def disconnect(reason: int) -> bytes:
    """An MQTT 5 server DISCONNECT with a reason code (3.1.1 has none: the server just closes)."""
    return frame(DISCONNECT, 0, bytes([reason, 0]))
