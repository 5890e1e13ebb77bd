"""Where the local cloud's log lines go: everything to a log file, and to the terminal only what matters.

The terminal of `make local`, quiet by default, shows one line per workflow event (localcloud/stepfunctions/
workflow_log.py: a run started, waits on whom, ended how) and any warning or error. With -v it shows every line as
the file has it: the parts' INFO lines and every Lambda's own log (the pull model's scheduled poll writes one a
second); -vv adds DEBUG. The file always holds every line of INFO and above (DEBUG too with -vv), and
`python -m localcloud logs [function]` shows the Lambda lines of it on demand.
"""
import logging
from pathlib import Path

from localcloud.serverless.services import STATE_DIR

WORKFLOWS = "localcloud.workflows"
LAMBDA = "localcloud.lambda.logs"   # every line a function writes, as "[function] line"
LOG_DIR = STATE_DIR / "logs"
_ENGINE = "moto.stepfunctions.parser"
_FILE_FORMAT = "%(asctime)s %(name)s %(levelname)s: %(message)s"


def default_log_file(edge_port: int) -> Path:
    """One file per edge port: a `make local` and a test's cloud running side by side do not share a file."""
    return LOG_DIR / f"localcloud-{edge_port}.log"


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_ENGINE):
            return False   # a failing run's error with its state tree: the workflow line names the error already
        return record.levelno >= logging.WARNING or record.name == WORKFLOWS


class _Terminal(logging.Formatter):
    """Workflow lines with their time only; any other line with the logger that wrote it, as before."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == WORKFLOWS:
            return f"{self.formatTime(record, '%H:%M:%S')} {record.getMessage()}"
        return f"{record.name}: {record.getMessage()}" + (f"\n{self.formatException(record.exc_info)}"
                                                          if record.exc_info else "")


def configure(verbosity: int, log_file: Path) -> None:
    """verbosity 0: quiet terminal; 1 (-v): every INFO line on the terminal; 2 (-vv): DEBUG too."""
    level = logging.DEBUG if verbosity >= 2 else logging.INFO
    log_file.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(logging.Formatter(_FILE_FORMAT))
    terminal = logging.StreamHandler()
    terminal.setFormatter(_Terminal())
    if verbosity == 0:
        terminal.addFilter(_Quiet())
    root = logging.getLogger()
    root.setLevel(level)
    for handler in (to_file, terminal):
        handler.setLevel(level)
        root.addHandler(handler)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # moto's engine logs every caught failure with its whole state tree; the execution history says it better.
    logging.getLogger(_ENGINE).setLevel(logging.ERROR)


def lambda_log_sink(function_name: str, line: str) -> None:
    """The Lambda runtime's log sink: a function's line, kept in the file and shown with -v."""
    logging.getLogger(LAMBDA).info("[%s] %s", function_name, line)


def lambda_lines(log_file: Path, function: str = "") -> list[str]:
    """The Lambda lines of the log file (of functions whose name holds `function`), as the functions wrote them."""
    marker = f" {LAMBDA} INFO: ["
    found = []
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        _, sep, rest = line.partition(marker)
        if sep and function in rest.split("]", 1)[0]:
            found.append("[" + rest)
    return found
