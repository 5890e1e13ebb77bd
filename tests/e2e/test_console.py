"""The web console (http://127.0.0.1:4566/_console/) in a real headless Chromium, and the terminal views of
localcloud/cli.py, against the running local cloud."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from botocore.exceptions import ClientError
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import EDGE, OUTPUT, REPO, start_calculation

CONSOLE = f"{EDGE}/_console/"
SCREENSHOTS = OUTPUT / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 30_000     # an upper bound for conditions, never a sleep
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def browser_context():
    profile = tempfile.mkdtemp(prefix="console-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    page.close()


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _state(page, name: str):
    return page.locator(f'svg [data-state="{name}"]')


def test_approve_from_the_console_inbox_turns_the_graph_green(cloud, page, browser_context):
    # Given an approval run waiting for its approver
    started = start_calculation(cloud, {"x": 125, "y": 122})
    assert started.status_code == 200, started.text
    execution_arn = started.json()["executionArn"]
    email = cloud.email_for_execution(execution_arn)

    # When its page is opened in the console
    page.goto(f"{CONSOLE}#/execution/{execution_arn}")
    # Then it is running, with Approval in progress and Finalize not reached
    expect(page.locator("#execution-status [data-status]")).to_have_attribute("data-status", "RUNNING")
    expect(_state(page, "Approval")).to_have_attribute("data-status", "in_progress")
    expect(_state(page, "Calculate")).to_have_attribute("data-status", "succeeded")
    expect(_state(page, "Finalize")).to_have_attribute("data-status", "not_reached")
    _screenshot(page, "1-execution-waiting-for-approval")

    # When the approver opens the email in the console's inbox and follows its Approve link
    inbox = browser_context.new_page()
    inbox.goto(f"{CONSOLE}#/inbox?id={email['Id']}")
    expect(inbox.locator("#email h2")).to_have_text(email["Subject"])
    _screenshot(inbox, "2-inbox")
    with inbox.expect_popup() as popup:
        inbox.frame_locator("iframe.email").get_by_role("link", name="Approve").click()
    approval_page = popup.value
    approval_page.wait_for_load_state()
    approval_page.locator("#decide").click()
    approval_page.wait_for_load_state()
    _screenshot(approval_page, "3-approved")

    # Then the execution page, still open, turns green on its own (live updates)
    expect(page.locator("#execution-status [data-status]")).to_have_attribute("data-status", "SUCCEEDED")
    expect(_state(page, "Finalize")).to_have_attribute("data-status", "succeeded")
    expect(_state(page, "Approval")).to_have_attribute("data-status", "succeeded")
    expect(_state(page, "Rejected")).to_have_attribute("data-status", "not_reached")
    _state(page, "Finalize").click()
    expect(page.locator("#state-details .state-output")).to_contain_text('"decision"')
    _screenshot(page, "4-execution-succeeded")
    assert cloud.describe(execution_arn)["status"] == "SUCCEEDED"
    inbox.close()
    approval_page.close()


def test_state_machines_executions_and_work_pages(cloud, page):
    # Given an execution of the approval workflow waiting for its approver
    started = start_calculation(cloud, {"x": 1, "y": 2})
    execution_arn = started.json()["executionArn"]
    cloud.email_for_execution(execution_arn)
    # When the state machines page is opened, Then the graph of the approval workflow is drawn
    page.goto(CONSOLE)
    machine = page.locator('[data-state-machine="waitflows-approval-workflow-local"]')
    expect(machine.locator('svg [data-state="Finalize"]')).to_be_visible()
    expect(machine.locator('path.edge.catch[data-source="Approval"][data-target="Rejected"]')).to_have_count(1)
    expect(machine.locator('path.edge.default[data-source="IsInputValid"]')).to_have_count(1)
    # And the running execution is shown where it is: at Approval (and at no state it has left)
    expect(machine.locator('svg [data-state="Approval"]')).to_have_attribute(
        "data-executions", re.compile(re.escape(execution_arn)))
    expect(machine.locator('svg [data-state="Approval"] .running-count')).to_be_visible()
    expect(machine.locator('svg [data-state="Calculate"]')).not_to_have_attribute(
        "data-executions", re.compile(re.escape(execution_arn)))
    _screenshot(page, "5-state-machines")
    # When the executions page is filtered on RUNNING, Then the run is listed while it waits
    page.goto(f"{CONSOLE}#/executions?status=RUNNING")
    expect(page.locator(f'tr[data-execution="{execution_arn}"]')).to_be_visible()
    expect(page.locator("tbody [data-status]").first).to_have_attribute("data-status", "RUNNING")
    # When the jobs & queues page is opened, Then it answers, with a hint where nothing exists yet
    page.goto(f"{CONSOLE}#/work")
    expect(page.get_by_role("heading", name="On-premises jobs", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Queues", exact=True)).to_be_visible()
    _screenshot(page, "6-work")


# Every edge label's rectangle against every box (state, Start, End) and every other label of the same graph.
_OVERLAPS = """() => {
  const rect = (el) => el.getBoundingClientRect();
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const found = [], counted = {};
  for (const card of document.querySelectorAll("[data-state-machine]")) {
    const boxes = [...card.querySelectorAll("svg .node:not(.container) > rect, svg .terminal > circle")]
      .map((el) => [el.parentNode.dataset.state || el.parentNode.dataset.terminal, rect(el)]);
    const labels = [...card.querySelectorAll("svg text.edge-label")]
      .map((el) => [`${el.dataset.source}->${el.dataset.target} "${el.textContent}"`, rect(el)]);
    counted[card.dataset.stateMachine] = [boxes.length, labels.length];
    labels.forEach(([name, r], i) => {
      for (const [box, b] of boxes) if (overlap(r, b)) found.push(`${name} over the box of ${box}`);
      for (const [other, o] of labels.slice(i + 1)) if (overlap(r, o)) found.push(`${name} over ${other}`);
    });
  }
  return { found, counted };
}"""


def test_no_edge_label_lies_over_a_box_or_another_label(cloud, page):
    # Given every state machine of the services
    # When the state machines page draws their graphs
    page.goto(CONSOLE)
    expect(page.locator('[data-state-machine="waitflows-approval-workflow-local"] svg text.edge-label').first).to_be_visible()
    measured = page.evaluate(_OVERLAPS)
    # Then the approval graph has its Catch labels, and no label anywhere overlaps a box or another label
    boxes, labels = measured["counted"]["waitflows-approval-workflow-local"]
    assert boxes >= 10 and labels >= 5, measured["counted"]
    assert measured["found"] == []


NESTED = {"StartAt": "Fan", "States": {
    "Fan": {"Type": "Parallel", "Next": "Each", "Branches": [
        {"StartAt": "A1", "States": {"A1": {"Type": "Pass", "Next": "A2"}, "A2": {"Type": "Pass", "End": True}}},
        {"StartAt": "B1", "States": {"B1": {"Type": "Wait", "Seconds": 1, "End": True}}}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}]},
    "Each": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "Item", "States": {
        "Item": {"Type": "Pass", "Next": "Again"},
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.more", "BooleanEquals": True, "Next": "Item"}],
                  "Default": "ItemDone"},
        "ItemDone": {"Type": "Succeed"}}}},
    "Broken": {"Type": "Fail", "Error": "Broken"}}}

# Every box of a nested flow inside its container, and no two boxes of one flow over each other.
_NESTING = """(name) => {
  const card = document.querySelector(`[data-state-machine="${name}"]`);
  const rect = (el) => el.getBoundingClientRect();
  const boxes = [...card.querySelectorAll("svg g[data-scope]")].map((g) => ({
    id: g.dataset.state || g.dataset.terminal, scope: g.dataset.scope, r: rect(g.querySelector("rect, circle")) }));
  const byId = Object.fromEntries(boxes.map((b) => [b.id, b]));
  const outside = [], overlaps = [];
  for (const box of boxes.filter((b) => b.scope)) {
    const c = byId[box.scope.split("/")[0]].r, r = box.r;
    if (r.left < c.left || r.right > c.right || r.top < c.top || r.bottom > c.bottom) outside.push(box.id);
  }
  boxes.forEach((a, i) => { for (const b of boxes.slice(i + 1)) if (a.scope === b.scope && a.r.left < b.r.right
    && b.r.left < a.r.right && a.r.top < b.r.bottom && b.r.top < a.r.bottom) overlaps.push(`${a.id} ${b.id}`); });
  return { boxes: boxes.length, outside, overlaps };
}"""


def test_parallel_and_map_states_are_drawn_inside_their_containers(cloud, page):
    # Given a state machine with a Parallel of two branches and a Map whose items loop
    sfn = cloud.client("stepfunctions")
    approval = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                    if m["name"] == "waitflows-approval-workflow-local")
    name = f"console-nested-{os.getpid()}"
    arn = sfn.create_state_machine(name=name, definition=json.dumps(NESTED),
                                   roleArn=sfn.describe_state_machine(stateMachineArn=approval)["roleArn"])["stateMachineArn"]
    try:
        # When the state machines page draws it
        page.goto(CONSOLE)
        expect(page.locator(f'[data-state-machine="{name}"] svg [data-state="ItemDone"]')).to_be_visible()
        # Then each nested state lies inside its container, no two boxes of a flow overlap, nor any label a box
        nesting = page.evaluate(_NESTING, name)
        assert nesting["boxes"] == 17 and (nesting["outside"], nesting["overlaps"]) == ([], []), nesting
        assert page.evaluate(_OVERLAPS)["found"] == []
        _screenshot(page, "11-nested-graph")
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def test_executions_show_their_error_and_filter_by_it(cloud, page):
    # Given a run that fails with a named error, and a run still waiting
    failed_arn = start_calculation(cloud, {"x": 400, "y": 400}).json()["executionArn"]
    waiting_arn = start_calculation(cloud, {"x": 5, "y": 6}).json()["executionArn"]
    failed = cloud.wait_for_execution(failed_arn)
    assert failed["status"] == "FAILED" and failed["error"]
    # When the executions page is opened, Then the failed run shows its error, not just FAILED
    page.goto(f"{CONSOLE}#/executions")
    cell = page.locator(f'tr[data-execution="{failed_arn}"] td.execution-error')
    expect(cell).to_have_attribute("data-error", failed["error"])
    expect(cell).to_contain_text(failed["cause"][:40])
    # When it is filtered on that error, Then only runs that failed with it are listed
    page.locator("[data-filter-error]").select_option(failed["error"])
    expect(page).to_have_url(re.compile(f"error={failed['error']}"))
    expect(page.locator(f'tr[data-execution="{waiting_arn}"]')).to_have_count(0)
    expect(page.locator(f'tr[data-execution="{failed_arn}"]')).to_be_visible()
    expect(page.locator(f'td.execution-error:not([data-error="{failed["error"]}"])')).to_have_count(0)
    _screenshot(page, "8-executions-by-error")


def test_the_faults_panel_shows_rules_standing_and_faults_injected(cloud, page):
    # Given a fault rule on a queue nothing else uses, and one call it failed
    probe = f"console-fault-probe-{os.getpid()}"
    added = requests.post(f"{EDGE}/_localcloud/faults", timeout=10, json={
        "service": "sqs", "operation": "GetQueueUrl", "resource": probe,
        "error": "AWS.SimpleQueueService.NonExistentQueue", "count": 2})
    assert added.status_code == 201, added.text
    rule_id = added.json()["id"]
    try:
        with pytest.raises(ClientError) as failed:
            cloud.client("sqs").get_queue_url(QueueName=probe)
        assert failed.value.response["Error"]["Message"] == added.json()["message"]
        # When the faults panel is opened
        page.goto(f"{CONSOLE}#/faults")
        # Then the rule stands, with its effect and its hits, and the fault it injected is listed
        rule = page.locator(f'tr[data-fault-rule="{rule_id}"]')
        expect(rule).to_contain_text("sqs:GetQueueUrl")
        expect(rule).to_contain_text("1 of 2")
        expect(rule.locator(".fault-effect")).to_have_text("AWS.SimpleQueueService.NonExistentQueue (HTTP 400)")
        expect(page.locator(f'tr[data-fault-injected="{rule_id}"]')).to_contain_text(probe)
        _screenshot(page, "9-faults")
        # When its Clear button is pressed, Then the rule is gone from the local cloud
        rule.get_by_role("button", name="Clear").click()
        expect(rule).to_have_count(0)
        assert rule_id not in [r["id"] for r in requests.get(f"{EDGE}/_localcloud/faults", timeout=10).json()["rules"]]
    finally:
        requests.delete(f"{EDGE}/_localcloud/faults/{rule_id}", timeout=10)


def _cli(*args: str, **kwargs):
    """`python -m localcloud.cli ...`: what `python -m localcloud executions|watch` runs."""
    command = [sys.executable, "-m", "localcloud.cli", *args]
    env = {**os.environ, "AWS_ENDPOINT_URL": EDGE}
    if kwargs.get("background"):
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=90)


def _approve(cloud, email: dict) -> None:
    """What the button of the Approve link's page posts."""
    link = urlsplit(cloud.link(email, "Approve"))
    decided = cloud.api("POST", link.path.removeprefix(urlsplit(cloud.api_url).path), data=dict(parse_qsl(link.query)))
    assert decided.status_code == 200, decided.text


def test_cli_lists_executions_and_watches_one_to_success(cloud):
    # Given an approval run waiting for its approver
    started = start_calculation(cloud, {"x": 3, "y": 4})
    execution_arn = started.json()["executionArn"]
    email = cloud.email_for_execution(execution_arn)
    # When the running executions are listed, Then the run is there
    listed = _cli("executions", "--status", "RUNNING", "--state-machine", "waitflows-approval-workflow-local")
    assert listed.returncode == 0, listed.stderr
    assert execution_arn in listed.stdout and "RUNNING" in listed.stdout
    # When it is approved while `watch` follows it
    watcher = _cli("watch", execution_arn, background=True)
    try:
        assert watcher.stdout.readline().startswith("watching ")
        _approve(cloud, email)
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    # Then watch printed the states and exited 0
    assert watcher.returncode == 0, err
    assert "→ Finalize" in out and "✔ Finalize succeeded" in out and out.rstrip().endswith("SUCCEEDED")


def test_cli_watch_exits_1_when_the_execution_fails(cloud):
    started = start_calculation(cloud, {"x": 400, "y": 400})     # over the double limit: NumberIsTooBig
    execution_arn = started.json()["executionArn"]
    watched = _cli("watch", execution_arn)
    assert watched.returncode == 1, watched.stdout + watched.stderr
    assert "FAILED" in watched.stdout


def test_a_running_job_shows_its_progress_and_cancel_from_the_console_ends_it_cancelled(cloud, page):
    from tests.e2e.test_iot_callback import WorkerProcess, start_job
    # Given a real worker busy with a slow job that reports progress
    worker = WorkerProcess(cloud, "tenant3").start()
    try:
        job = start_job(cloud, "tenant3", {"a": 15, "b": 42, "seconds": 60})
        # When the jobs page is open, Then the job is listed as running with a progress bar
        page.goto(f"{CONSOLE}#/work")
        row = page.locator(f'tr[data-job="{job["jobId"]}"]')
        expect(row.locator(".progress")).to_be_visible()
        expect(row).to_contain_text("running")
        _screenshot(page, "7-job-in-progress")
        # When its Cancel button is pressed, Then the worker stops it and the run ends as Cancelled
        row.get_by_role("button", name="Cancel").click()
        execution = cloud.wait_for_execution(job["executionArn"], timeout=30)
        assert (execution["status"], execution["error"]) == ("FAILED", "Cancelled")
        expect(row).to_have_count(0)   # no longer among the jobs running
        expect(page.locator(f'tr[data-finished-job="{job["jobId"]}"]')).to_have_attribute("data-status", "cancelled")
        # When the worker finishes another job, Then it is listed among the finished ones with its result
        done = start_job(cloud, "tenant3", {"a": 15, "b": 42})
        finished = page.locator(f'tr[data-finished-job="{done["jobId"]}"]')
        expect(finished).to_have_attribute("data-status", "succeeded")
        expect(finished.locator(".job-outcome")).to_have_text("57")
        _screenshot(page, "10-jobs-finished")
    finally:
        worker.ensure_stopped()


def test_a_job_report_the_cloud_refuses_ends_the_job_with_the_reason(cloud, page):
    from tests.e2e.test_iot_callback import publish_as_aws, start_job
    # Given a job handed to a tenant
    job = start_job(cloud, "console-refused", {"a": 1, "b": 2})
    # When a report with a status the cloud does not take arrives on the tenant's results topic
    # (through the IoT data plane: the same topic rule takes it as from a worker over MQTT)
    publish_as_aws(cloud, "tenants/console-refused/results", {"jobId": job["jobId"], "status": "done", "result": 3})
    # Then the job ends now with the reason, not minutes later as a worker that "never picked the job up"
    execution = cloud.wait_for_execution(job["executionArn"], timeout=30)
    assert (execution["status"], execution["error"]) == ("FAILED", "WorkerFailed")
    assert "ReportRefused" in execution["cause"] and "status must be one of" in execution["cause"]
    # And the console lists it among the finished jobs with that reason
    page.goto(f"{CONSOLE}#/work")
    outcome = page.locator(f'tr[data-finished-job="{job["jobId"]}"] .job-outcome')
    expect(outcome).to_contain_text("ReportRefused: the worker's result was refused: status must be one of")
