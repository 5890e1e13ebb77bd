"""`make local`'s logs: a quiet terminal, every line in the file, the Lambda lines on demand."""
import logging

import pytest

from localcloud import logs


@pytest.fixture
def configured(tmp_path, capsys):
    """configured(verbosity) -> the log file; the root logger's handlers are put back afterwards."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))

    def configure(verbosity: int):
        log_file = tmp_path / "logs" / "localcloud.log"
        logs.configure(verbosity, log_file)
        return log_file

    yield configure
    for handler in root.handlers[len(saved[1]):]:
        handler.close()
    root.handlers[:] = saved[1]
    root.setLevel(saved[0])


def emit_one_of_each():
    logging.getLogger("localcloud.events").info("2 event rules")
    logs.lambda_log_sink("waitflows-queue-callback-local-pollOrderActivity", '{"message": "activity poll ended"}')
    logging.getLogger(logs.WORKFLOWS).info("▶ orders/run-1 started")
    logging.getLogger("localcloud.iot").warning("tenant9 refused")
    logging.getLogger("moto.stepfunctions.parser.asl").error("Exception=FailureEventException, Error=WorkerLost")


def test_by_default_the_terminal_shows_workflow_events_and_warnings_only(configured, capsys):
    configured(0)

    emit_one_of_each()

    terminal = capsys.readouterr().err.splitlines()
    assert len(terminal) == 2
    assert terminal[0].endswith(" ▶ orders/run-1 started")
    assert terminal[1] == "localcloud.iot: tenant9 refused"


def test_with_v_the_terminal_shows_every_line_lambda_logs_included(configured, capsys):
    configured(1)

    emit_one_of_each()

    terminal = capsys.readouterr().err
    assert "localcloud.events: 2 event rules" in terminal
    assert "[waitflows-queue-callback-local-pollOrderActivity] {\"message\": \"activity poll ended\"}" in terminal


def test_the_file_holds_every_line_whatever_the_terminal_shows(configured):
    log_file = configured(0)

    emit_one_of_each()

    text = log_file.read_text()
    for fragment in ("2 event rules", "activity poll ended", "orders/run-1 started", "tenant9 refused",
                     "Error=WorkerLost"):
        assert fragment in text


def test_the_lambda_lines_of_one_function_come_back_as_it_wrote_them(configured):
    log_file = configured(0)
    emit_one_of_each()
    logs.lambda_log_sink("waitflows-approval-local-requestApproval", "approval requested")

    assert logs.lambda_lines(log_file, "requestApproval") == [
        "[waitflows-approval-local-requestApproval] approval requested"]
    assert len(logs.lambda_lines(log_file)) == 2


def test_each_edge_port_has_its_own_file():
    assert logs.default_log_file(4566) != logs.default_log_file(4600)


def test_the_logs_command_prints_the_lambda_lines_of_the_cloud_at_aws_endpoint_url(configured, monkeypatch):
    import argparse
    import io

    from localcloud import cli

    log_file = configured(0)
    emit_one_of_each()
    monkeypatch.setattr(logs, "default_log_file", lambda port: log_file if port == 4610 else None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4610")
    out = io.StringIO()

    code = cli.lambda_logs(argparse.Namespace(function="pollOrder", follow=False, log_file=None), out=out)

    assert code == 0
    assert out.getvalue() == ('[waitflows-queue-callback-local-pollOrderActivity] {"message": "activity poll '
                              'ended"}\n')
