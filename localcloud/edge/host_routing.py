"""moto's server routing, once per host.

The gap: server mode finds the backend of every request by listing and stat-ing moto's ~200 module folders and
trying hundreds of URL patterns, under one global lock: every AWS call of the whole cloud queues behind that scan.
Fixed: the backend of each host is looked up once and remembered.
"""


def route_each_host_once() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    if getattr(original, "_localcloud_fix", False):
        return
    found: dict = {}

    def get_backend_for_host(self, host):
        # A pure function of the host name: moto's modules and URL patterns do not change while it runs.
        if host not in found:
            found[host] = original(self, host)
        return found[host]

    get_backend_for_host._localcloud_fix = True
    get_backend_for_host.__wrapped__ = original
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host
