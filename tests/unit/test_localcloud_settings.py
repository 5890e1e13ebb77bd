"""A local cloud on other ports maps stage local's canonical addresses, and records outputs canonically."""
from localcloud.cloud import Settings


def test_given_other_ports_when_localizing_then_canonical_urls_point_at_this_cloud():
    settings = Settings(edge_port=4600, api_port=3100)
    value = {"DOUBLE_URL": "http://127.0.0.1:3000/third-party-api/double",
             "queues": ["http://127.0.0.1:4566/123456789012/orders"], "timeout": 10}
    assert settings.localize(value) == {"DOUBLE_URL": "http://127.0.0.1:3100/third-party-api/double",
                                        "queues": ["http://127.0.0.1:4600/123456789012/orders"], "timeout": 10}


def test_given_other_ports_when_recording_outputs_then_they_are_canonical_again():
    settings = Settings(edge_port=4600, api_port=3100)
    assert settings.canonical({"QueueUrl": "http://127.0.0.1:4600/1/q", "Url": "http://127.0.0.1:3100/x"}) == {
        "QueueUrl": "http://127.0.0.1:4566/1/q", "Url": "http://127.0.0.1:3000/x"}


def test_given_the_default_ports_then_nothing_changes():
    assert Settings().localize("http://127.0.0.1:3000/a") == "http://127.0.0.1:3000/a"


def test_given_core_parts_running_but_later_parts_not_started_then_health_is_503():
    from localcloud.cloud import LocalCloud
    cloud = LocalCloud()
    cloud.parts.update(edge="running", services="running", apigateway="running")
    assert cloud.health()[0] == 503          # start() has not finished: MQTT, event sources may be missing
    cloud._up = True
    assert cloud.health()[0] == 200
    cloud.parts["mqtt"] = "starting"
    assert cloud.health()[0] == 503
