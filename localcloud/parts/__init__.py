"""Parts of the local cloud that start after its core (edge, services, Lambda runtime, state machines, API Gateway).

Each module here defines `part() -> Part | None`; the cloud starts every part in module-name order and stops them in
reverse. A part reads what it serves from the templates (cloud.stacks), never from a list of its own:

    class Part(Protocol):
        name: str                                   # shown in /_localcloud/health
        def start(self, cloud) -> None: ...         # cloud.stacks, cloud.runtime, cloud.client(), cloud.edge.add_route()
        def stop(self) -> None: ...                 # must leave no thread or process behind
        def urls(self) -> dict[str, str]: ...       # optional: what `make local` prints
"""
import importlib
import pkgutil


def discover() -> list:
    found = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        factory = getattr(module, "part", None)
        created = factory() if factory else None
        if created is not None:
            found.append(created)
    return found
