"""localcloud.iot.mqtt_packets: framing and the few fields the IoT gateway reads, checked against bytes written out
by hand from the MQTT 3.1.1 and 5.0 specifications."""
import pytest

from localcloud.iot import mqtt_packets as mp

# CONNECT, MQTT 3.1.1, clean session, keepalive 30, client id "nocert" (the specification's layout, 3.1)
CONNECT_311 = bytes([0x10, 18, 0, 4]) + b"MQTT" + bytes([4, 0x02, 0, 30, 0, 6]) + b"nocert"


def one(data: bytes, max_remaining: int = 1 << 20) -> mp.Packet:
    packets = mp.PacketSplitter(max_remaining).feed(data)
    assert len(packets) == 1
    return packets[0]


@pytest.mark.parametrize("value, encoded", [(0, b"\x00"), (127, b"\x7f"), (128, b"\x80\x01"), (16_383, b"\xff\x7f"),
                                            (16_384, b"\x80\x80\x01"), (268_435_455, b"\xff\xff\xff\x7f")])
def test_variable_byte_integers_are_encoded_as_the_specification_tabulates_them(value, encoded):
    assert mp.encode_varint(value) == encoded
    assert mp.decode_varint(encoded, 0) == (value, len(encoded))


def test_a_variable_byte_integer_longer_than_four_bytes_is_malformed():
    with pytest.raises(mp.MalformedPacket):
        mp.decode_varint(b"\xff\xff\xff\xff\x01", 0)


def test_given_packets_split_anywhere_when_fed_piece_by_piece_then_each_comes_out_whole_once():
    stream = CONNECT_311 + bytes([0xC0, 0]) + mp.frame(mp.PUBLISH, 0, b"\x00\x01a" + b"x" * 300)
    splitter = mp.PacketSplitter(1 << 20)

    packets = [p for i in range(0, len(stream), 7) for p in splitter.feed(stream[i:i + 7])]

    assert [p.kind for p in packets] == [mp.CONNECT, mp.PINGREQ, mp.PUBLISH]
    assert b"".join(p.raw for p in packets) == stream


def test_a_packet_declaring_more_than_the_limit_is_refused_before_its_body_arrives():
    header = bytes([0x30]) + mp.encode_varint(200_000)

    with pytest.raises(mp.PacketTooLarge):
        mp.PacketSplitter(150_000).feed(header)


def test_an_mqtt_311_connect_is_read_field_by_field():
    connect = mp.parse_connect(one(CONNECT_311))

    assert (connect.protocol_name, connect.level, connect.clean_start, connect.keepalive) == ("MQTT", 4, True, 30)
    assert connect.client_id == "nocert" and connect.will is None
    assert connect.username is None and connect.password is None


def test_an_mqtt5_connect_with_properties_will_username_and_password_is_read_field_by_field():
    body = (b"\x00\x04MQTT" + bytes([5, 0x80 | 0x40 | 0x20 | 0x08 | 0x04, 0, 60])
            + b"\x05" + b"\x11\x00\x00\x0e\x10"                    # properties: session expiry 3600
            + b"\x00\x07tenant1"
            + b"\x00" + b"\x00\x0ftenants/t1/gone" + b"\x00\x03bye"  # will: no properties, topic, payload
            + b"\x00\x04user" + b"\x00\x02pw")

    connect = mp.parse_connect(one(mp.frame(mp.CONNECT, 0, body)))

    assert connect.level == 5 and not connect.clean_start and connect.client_id == "tenant1"
    assert connect.properties.value(0x11) == 3600
    assert connect.will == mp.Will("tenants/t1/gone", b"bye", 1, True, mp.Properties())
    assert (connect.username, connect.password) == ("user", b"pw")


def test_a_connect_encoded_again_is_the_same_bytes():
    body = (b"\x00\x04MQTT" + bytes([5, 0xC2, 0, 60]) + b"\x03\x22\x00\x08" + b"\x00\x02id"
            + b"\x00\x02gw" + b"\x00\x06secret")
    packet = mp.frame(mp.CONNECT, 0, body)

    assert mp.encode_connect(mp.parse_connect(one(packet))) == packet
    assert mp.encode_connect(mp.parse_connect(one(CONNECT_311))) == CONNECT_311


def test_a_connect_of_mqtt_31_is_read_as_an_unsupported_level_not_as_garbage():
    body = b"\x00\x06MQIsdp" + bytes([3, 0x02, 0, 30]) + b"\x00\x01c"

    connect = mp.parse_connect(one(mp.frame(mp.CONNECT, 0, body)))

    assert (connect.protocol_name, connect.level) == ("MQIsdp", 3)


def test_a_connect_with_its_reserved_flag_set_is_malformed():
    body = b"\x00\x04MQTT" + bytes([4, 0x03, 0, 30]) + b"\x00\x01c"

    with pytest.raises(mp.MalformedPacket):
        mp.parse_connect(one(mp.frame(mp.CONNECT, 0, body)))


def test_a_qos1_publish_gives_its_topic_packet_id_and_payload_size():
    packet = one(mp.frame(mp.PUBLISH, 0x02 | 0x01, b"\x00\x0ctenants/a/jb" + b"\x00\x07" + b"payload"))

    publish = mp.parse_publish(packet, mp.MQTT_311)

    assert publish == mp.Publish("tenants/a/jb", 1, True, False, 7, None, 7)


def test_an_mqtt5_publish_by_alias_gives_the_alias_and_an_empty_topic():
    packet = one(mp.frame(mp.PUBLISH, 0, b"\x00\x00" + b"\x03\x23\x00\x02" + b"hello"))

    publish = mp.parse_publish(packet, mp.MQTT_5)

    assert (publish.topic, publish.topic_alias, publish.packet_id, publish.payload_size) == ("", 2, None, 5)


def test_a_publish_to_a_wildcard_topic_is_malformed():
    with pytest.raises(mp.MalformedPacket):
        mp.parse_publish(one(mp.frame(mp.PUBLISH, 0, b"\x00\x09tenants/#")), mp.MQTT_311)


def test_a_subscribe_gives_each_filter_with_its_requested_qos():
    body = b"\x00\x0a" + b"\x00\x0ctenants/a/jb\x01" + b"\x00\x09tenants/#\x02"

    subscribe = mp.parse_subscribe(one(mp.frame(mp.SUBSCRIBE, 0x02, body)), mp.MQTT_311)

    assert subscribe == mp.Subscribe(10, (("tenants/a/jb", 1), ("tenants/#", 2)))


def test_an_mqtt5_subscribe_skips_its_properties_and_reads_the_options_qos():
    body = b"\x00\x01" + b"\x02\x0b\x07" + b"\x00\x01t" + bytes([0x2C | 0x01])   # subscription id 7; nl, rap, rh 2

    subscribe = mp.parse_subscribe(one(mp.frame(mp.SUBSCRIBE, 0x02, body)), mp.MQTT_5)

    assert subscribe.filters == (("t", 1),)


def test_the_packets_the_gateway_writes_are_the_specifications_bytes():
    assert mp.connack(mp.MQTT_5, mp.NOT_AUTHORIZED) == bytes([0x20, 3, 0, 0x87, 0])
    assert mp.connack(mp.MQTT_311, mp.V311_UNACCEPTABLE_PROTOCOL_VERSION) == bytes([0x20, 2, 0, 1])
    assert mp.disconnect(mp.NOT_AUTHORIZED) == bytes([0xE0, 2, 0x87, 0])
    assert mp.puback(0x1234) == bytes([0x40, 2, 0x12, 0x34])


def test_properties_can_drop_one_identifier_and_keep_the_others_bytes():
    properties, _ = mp.parse_properties(b"\x08\x22\x00\x0a\x21\x00\x14\x17\x01", 0)

    kept = properties.without(mp.TOPIC_ALIAS_MAXIMUM)

    assert kept.encode() == b"\x05\x21\x00\x14\x17\x01"
    assert kept.value(0x21) == 20 and kept.value(mp.TOPIC_ALIAS_MAXIMUM) is None
