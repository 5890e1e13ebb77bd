"""The web console at http://127.0.0.1:4566/_console/: state machines, executions, the mailbox, waiting work."""
import threading

from localcloud.console.app import PREFIX, Console


class ConsolePart:
    name = "console"

    def __init__(self):
        self._url = ""

    def start(self, cloud) -> None:
        clients: dict[str, object] = {}
        lock = threading.Lock()

        def client(service: str):
            with lock:   # one client per service, made once: creating a boto3 client is slow and not thread-safe
                if service not in clients:
                    clients[service] = cloud.client(service)
                return clients[service]

        def services_of() -> dict[str, str]:
            return {stack.attributes(logical_id)["Name"]: stack.service for stack in cloud.stacks.values()
                    for logical_id in stack.of_type("AWS::StepFunctions::StateMachine")}

        console = Console(client, routes=lambda: list(cloud.api.routes) if cloud.api else [],
                          api_url=cloud.settings.api_url, services_of=services_of)
        cloud.edge.add_route(console.handles, console)
        self._url = f"{cloud.settings.edge_url}{PREFIX}/"

    def stop(self) -> None:
        """Nothing to stop: the console is a route of the edge, which the cloud stops."""

    def urls(self) -> dict[str, str]:
        return {"console": self._url}
