"""`python -m localcloud` (what `make local` runs): the whole monorepo offline, in the foreground."""
import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from localcloud import logs
from localcloud.cloud import LocalCloud, NotReady, Settings


def up(args) -> int:
    log_file = Path(args.log_file) if args.log_file else logs.default_log_file(args.edge_port)
    logs.configure(args.verbose, log_file)
    cloud = LocalCloud(Settings(edge_port=args.edge_port, api_port=args.api_port, mqtt_port=args.mqtt_port,
                                prewarm=not args.no_prewarm,
                                services=tuple(filter(None, (args.services or "").split(",")))))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    try:
        cloud.start()
    except NotReady as exc:
        # One line that says what to do; a traceback would bury it.
        print(f"localcloud: {exc}", file=sys.stderr)
        return 2
    except BaseException:
        cloud.stop()
        raise
    s = cloud.settings
    routes = sorted({f"{r.method:6} {s.api_url}/{r.service}{r.resource_path}" for r in cloud.api.routes})
    urls = "\n".join(f"  {name:14} {url}" for name, url in cloud.urls().items())
    print(f"\nlocal cloud up in {time.monotonic() - started:.1f}s (stage local)\n{urls}\n"
          f"  (export AWS_ENDPOINT_URL={s.edge_url} to point boto3 and the AWS CLI here)\n"
          f"  log file       {_shown(log_file)}: every line; Lambda logs on demand with `python -m localcloud "
          f"logs [function]`{'' if args.verbose else ', or all here with -v'}\n"
          "  routes:\n    " + "\n    ".join(routes) + "\nCtrl-C stops everything.\n", flush=True)
    # In slices, not one untimed wait: a Ctrl-C delivered to another thread only flags the main thread, which must
    # come back to the interpreter to run the handler (an untimed lock wait can sleep through it forever).
    while not stop.wait(timeout=0.5):
        pass
    print("stopping...", flush=True)
    cloud.stop()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--edge-port", type=int, default=4566)
    parser.add_argument("--api-port", type=int, default=3000)
    parser.add_argument("--mqtt-port", type=int, default=8883)
    parser.add_argument("--services", help="only these services (comma-separated folder names) and those whose "
                                           "outputs they read, e.g. --services orchestrator")
    parser.add_argument("--no-prewarm", action="store_true", help="start Lambda workers on first use only")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="-v: every log line on the terminal, Lambda logs included (the default shows one line "
                             "per workflow event and any warning); -vv: debug lines too")
    parser.add_argument("--log-file", help="where every log line goes (default .localcloud/logs/"
                                           "localcloud-<edge port>.log)")
    parser.set_defaults(func=up)
    from localcloud import cli
    cli.add_subcommands(parser.add_subparsers(title="commands", metavar="{executions,watch,logs,faults}"))
    args = parser.parse_args(argv)
    if args.func is not up:
        logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(name)s: %(message)s")
    return args.func(args)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
