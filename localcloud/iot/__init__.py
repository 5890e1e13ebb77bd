"""AWS IoT Core, locally: where a reader who knows AWS looks for it.

- gateway.py: the device endpoint (127.0.0.1:8883): mutual TLS, registered certificates, IoT policies on every packet;
- session.py: one connection's decisions, as AWS IoT's message broker makes them (no I/O, tested without a network);
- mqtt_packets.py: MQTT 3.1.1 and 5 framing, and the few packets the gateway reads or writes;
- registry.py: moto's IoT registry (certificates, things, attached policies) as the gateway reads it, in-process;
- moto_gaps.py: where moto's IoT falls short of AWS for us (CreateKeysAndCertificate self-signs), fixed;
- broker.py: mosquitto, the real message broker behind the gateway (sessions, QoS 1 queues, client id takeover);
- certificates.py: the local IoT CA and the gateway's server certificate;
- rules.py: the templates' AWS::IoT::TopicRule resources, run against the broker.

part.py starts them with the local cloud.
"""
