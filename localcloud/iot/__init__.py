"""AWS IoT Core, locally: where a reader who knows AWS looks for it.

- broker.py: mosquitto, the real MQTT message broker (sessions, QoS 1 queues, client id takeover);
- certificates.py: the local IoT CA and the gateway's server certificate;
- rules.py: the templates' AWS::IoT::TopicRule resources, run against the broker.
"""
