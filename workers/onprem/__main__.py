"""`python -m workers.onprem --tenant tenant1`: run jobs until SIGTERM or Ctrl-C."""
import logging
import signal
import sys
import threading

from workers.onprem import config as worker_config
from workers.onprem.jobs import load
from workers.onprem.worker import Worker


def main(argv=None) -> int:
    config = worker_config.parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s [" + config.tenant + "] %(message)s",
                        stream=sys.stdout)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = Worker(config, load(config.job))
    try:
        worker.start()
    except (FileNotFoundError, OSError) as exc:
        print(f"worker: {exc}", file=sys.stderr)
        return 2
    # In slices: a signal delivered to one of the job threads only flags the main thread, which must come back to
    # the interpreter to run the handler (an untimed wait can sleep through it).
    while not stop.wait(timeout=0.5):
        pass
    worker.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
