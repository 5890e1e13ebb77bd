"""The gap localcloud/edge/host_routing.py fixes, shown twice: present in the pinned moto without the fix, gone with it.

When a moto upgrade closes the gap, the "without the fix" test fails: then delete the fix.
"""
from localcloud.edge.host_routing import route_each_host_once


def test_edge_routing_moto_still_scans_its_module_folders_to_route_a_request(monkeypatch):
    import os

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.server import create_backend_app
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path: listed.append(path) or real_listdir(path))
    app = DomainDispatcherApplication(create_backend_app)
    lookup = getattr(DomainDispatcherApplication.get_backend_for_host, "__wrapped__",
                     DomainDispatcherApplication.get_backend_for_host)
    assert lookup(app, "states.us-east-1.amazonaws.com") == "stepfunctions"
    assert listed, "moto no longer lists its folders per request: drop localcloud/edge/host_routing.py"


def test_edge_routing_fix_routes_each_host_once():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.server import create_backend_app
    route_each_host_once()
    app = DomainDispatcherApplication(create_backend_app)
    assert app.get_backend_for_host("sqs.us-east-1.amazonaws.com") == "sqs"
    assert app.get_backend_for_host("sqs.us-east-1.amazonaws.com") == "sqs"
