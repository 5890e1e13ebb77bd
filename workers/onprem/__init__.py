"""The on-premises worker of the iot-callback service: jobs in over MQTT (mutual TLS), results out, no inbound port.

    python -m workers.onprem.onboard --tenant tenant1  # once per local cloud run: certificate, thing, policy
    python -m workers.onprem --tenant tenant1          # against the local cloud's IoT gateway (make worker does both)
    python -m workers.onprem --tenant acme --endpoint xxxx-ats.iot.eu-west-1.amazonaws.com \
        --ca AmazonRootCA1.pem --cert acme.crt --key acme.key             # against AWS IoT Core
"""
