"""The web console at http://127.0.0.1:4566/_console/: a page of static files and a small JSON API under
/_console/api/, built only from the AWS API of the local cloud (Step Functions, SQS) and its API Gateway routes.

    GET  /_console/api/state-machines                    every state machine, with its service and graph
    GET  /_console/api/executions?status=&stateMachine=&error=
                                                         executions of every (or one) state machine, newest first,
                                                         each with its error and cause (DescribeExecution)
    GET  /_console/api/positions                         where each running execution is (its states in progress)
    GET  /_console/api/execution?arn=                    one execution: graph, per-state outcome, events
    GET  /_console/api/work                              queues, activity tasks, on-premises jobs
    POST /_console/api/jobs/cancel?id=                   cancels an on-premises job through its service's API
Every request but GET and HEAD must come from the console's own page (its Origin, or Referer): any other web page
could otherwise make the developer's browser send it (localcloud/edge/origins.py).
The mailbox is the edge's own /_aws/ses, which the page reads directly (same origin).
"""
import json
import mimetypes
from datetime import datetime
from pathlib import Path
from typing import Callable

from botocore.exceptions import ClientError
from werkzeug.security import safe_join
from werkzeug.wrappers import Request, Response

from localcloud.edge.origins import is_foreign, refused_origin_message, requesting_origin
from localcloud.edge.server import json_response

from localcloud.console import graph, progress, work

PREFIX = "/_console"
STATIC = Path(__file__).parent / "static"
# Browser libraries served as npm installed them (package.json pins them; nothing copied into the repo).
_NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
VENDOR = {"dagre.min.js": _NODE_MODULES / "@dagrejs" / "dagre" / "dist" / "dagre.min.js"}
_MAX_EXECUTIONS = 500
_FINISHED_JOBS = 20          # the latest finished on-premises jobs listed


def _json(value, status: int = 200) -> Response:
    return json_response(status, value, headers={"Cache-Control": "no-store"}, default=_default)


def _default(value):
    return value.isoformat() if isinstance(value, datetime) else str(value)


class Console:
    def __init__(self, client: Callable, routes: Callable[[], list], api_url: str,
                 services_of: Callable[[], dict[str, str]]):
        self._client = client              # service name -> boto3 client at the edge
        self._routes = routes              # () -> API Gateway routes (localcloud.apigateway.Route)
        self._api_url = api_url
        self._services_of = services_of    # () -> state machine name -> service folder
        self._ended: dict[str, dict] = {}          # executionArn -> DescribeExecution, once it has ended
        self._finished_jobs: dict[str, dict] = {}  # jobId -> what GET /jobs/{id} said once the job was over

    @staticmethod
    def handles(request: Request, _body: bytes = b"") -> bool:
        return request.path == PREFIX or request.path.startswith(PREFIX + "/")

    def __call__(self, request: Request, _body: bytes = b"") -> Response:
        path = request.path[len(PREFIX):] or "/"
        try:
            if path == "/" or path == "":
                return self._static("index.html")
            if path.startswith("/static/"):
                return self._static(path[len("/static/"):])
            if path.startswith("/vendor/"):
                return self._vendor(path[len("/vendor/"):])
            api = {
                ("GET", "/api/state-machines"): self.state_machines,
                ("GET", "/api/executions"): self.executions,
                ("GET", "/api/positions"): self.positions,
                ("GET", "/api/execution"): self.execution,
                ("GET", "/api/work"): self.work,
                ("POST", "/api/jobs/cancel"): self.cancel_job,
            }.get((request.method, path))
            if api is None:
                return _json({"message": f"no such console route: {request.method} {request.path}"}, 404)
            if _changes_state(request) and not _from_the_console_page(request):
                return _json({"message": refused_origin_message(request, "The console's actions are taken")}, 403)
            return api(request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            return _json({"message": str(error), "code": code}, 404 if code.endswith("DoesNotExist") else 502)

    # --- pages' data ------------------------------------------------------------------------------------------------
    def state_machines(self, _request: Request) -> Response:
        sfn = self._client("stepfunctions")
        services = self._services_of()
        found = []
        for machine in self._list_state_machines(sfn):
            described = sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])
            definition = json.loads(described["definition"])
            found.append({"name": machine["name"], "arn": machine["stateMachineArn"], "type": machine.get("type"),
                          "service": services.get(machine["name"], ""), "comment": definition.get("Comment", ""),
                          "definition": definition, "graph": graph.build_graph(definition)})
        return _json({"stateMachines": found})

    def executions(self, request: Request) -> Response:
        sfn = self._client("stepfunctions")
        status, wanted = request.args.get("status") or None, request.args.get("stateMachine") or None
        rows = []
        for machine in self._list_state_machines(sfn):
            if wanted and wanted not in (machine["name"], machine["stateMachineArn"]):
                continue
            kwargs = {"stateMachineArn": machine["stateMachineArn"], **({"statusFilter": status} if status else {})}
            for page in sfn.get_paginator("list_executions").paginate(**kwargs):
                rows += [{**e, "stateMachineName": machine["name"]} for e in page["executions"]]
                if len(rows) >= _MAX_EXECUTIONS:
                    break
        rows.sort(key=lambda e: e["startDate"], reverse=True)
        rows = [{**row, **self._ending(sfn, row)} for row in rows[:_MAX_EXECUTIONS]]
        errors = sorted({row["error"] for row in rows if row["error"]})
        if error := request.args.get("error"):
            rows = [row for row in rows if row["error"] == error]
        return _json({"executions": rows, "errors": errors})

    def positions(self, _request: Request) -> Response:
        """state machine name -> [{executionArn, name, states}] for its running executions, where states are the
        ones in progress now (several inside a Parallel or a Map), read from each execution's history."""
        sfn = self._client("stepfunctions")
        found: dict[str, list[dict]] = {}
        for machine in self._list_state_machines(sfn):
            pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"],
                                                                  statusFilter="RUNNING")
            for execution in (e for page in pages for e in page["executions"]):
                runs = progress.state_runs(self._history(sfn, execution["executionArn"]), "RUNNING")
                found.setdefault(machine["name"], []).append({
                    "executionArn": execution["executionArn"], "name": execution["name"],
                    "states": [name for name, run in runs.items() if run.status == progress.IN_PROGRESS]})
        return _json({"positions": found})

    def execution(self, request: Request) -> Response:
        sfn = self._client("stepfunctions")
        arn = request.args.get("arn", "")
        described = sfn.describe_execution(executionArn=arn)
        machine = sfn.describe_state_machine(stateMachineArn=described["stateMachineArn"])
        definition = json.loads(machine["definition"])
        events = self._history(sfn, arn)
        runs = progress.state_runs(events, described["status"], graph.state_names(definition))
        return _json({
            "execution": {k: v for k, v in described.items() if k != "ResponseMetadata"},
            "stateMachineName": machine["name"],
            "graph": graph.build_graph(definition),
            "states": {name: run.as_dict() for name, run in runs.items()},
            "transitions": progress.transitions(events),
            "events": events,
        })

    def work(self, _request: Request) -> Response:
        sfn = self._client("stepfunctions")
        running = self._running_histories(sfn)
        job_routes = work.find_job_routes(self._routes(), self._api_url)
        activities = [a for page in sfn.get_paginator("list_activities").paginate() for a in page["activities"]]
        return _json({
            "queues": work.queue_depths(self._client("sqs")),
            "activities": work.activity_tasks(activities, running),
            "jobs": work.jobs(job_routes, *self._job_ids(sfn, job_routes, running), self._finished_jobs),
        })

    def cancel_job(self, request: Request) -> Response:
        status, body = work.cancel_job(work.find_job_routes(self._routes(), self._api_url), request.args.get("id", ""))
        return _json({"status": status, "response": body}, 200 if status < 400 else 502)

    # --- helpers ----------------------------------------------------------------------------------------------------
    def _ending(self, sfn, execution: dict) -> dict:
        """{error, cause} of an execution: none while it runs or when it succeeded, else DescribeExecution's."""
        if execution["status"] in ("RUNNING", "SUCCEEDED", "PENDING_REDRIVE"):
            return {"error": None, "cause": None}
        described = self._described_ended(sfn, execution["executionArn"])
        return {"error": described.get("error"), "cause": described.get("cause")}

    def _described_ended(self, sfn, arn: str) -> dict:
        """DescribeExecution of an ended execution, asked once: an ended execution never changes."""
        if arn not in self._ended:
            self._ended[arn] = sfn.describe_execution(executionArn=arn)
        return self._ended[arn]

    def _job_ids(self, sfn, job_routes, running: dict[str, list[dict]]) -> tuple[list[str], set[str]]:
        """The jobs of running executions, then those of the latest ended executions of the jobs' service (these
        are also returned as a set: their executions have ended)."""
        job_ids = work.job_ids_in(running)
        if job_routes is None:
            return job_ids, set()
        machines = {name for name, service in self._services_of().items() if service == job_routes.service}
        ended = [e for machine in self._list_state_machines(sfn) if machine["name"] in machines
                 for e in sfn.list_executions(stateMachineArn=machine["stateMachineArn"],
                                              maxResults=_FINISHED_JOBS)["executions"]
                 if e["status"] != "RUNNING"]
        ended = sorted(ended, key=lambda e: e["startDate"], reverse=True)[:_FINISHED_JOBS]
        inputs = (self._described_ended(sfn, e["executionArn"]).get("input") for e in ended)
        settled = [j for j in work.job_ids_in_texts(inputs) if j not in job_ids]
        return job_ids + settled, set(settled)

    @staticmethod
    def _list_state_machines(sfn) -> list[dict]:
        machines = [m for page in sfn.get_paginator("list_state_machines").paginate() for m in page["stateMachines"]]
        return sorted(machines, key=lambda m: m["name"])

    @staticmethod
    def _history(sfn, arn: str) -> list[dict]:
        pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
        return [event for page in pages for event in page["events"]]

    def _running_histories(self, sfn) -> dict[str, list[dict]]:
        running = {}
        for machine in self._list_state_machines(sfn):
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"],
                                                                      statusFilter="RUNNING"):
                for execution in page["executions"]:
                    running[execution["executionArn"]] = self._history(sfn, execution["executionArn"])
        return running

    @staticmethod
    def _static(relative: str) -> Response:
        path = safe_join(str(STATIC), relative)
        if path is None or not Path(path).is_file():
            return _json({"message": f"no such file: {relative}"}, 404)
        return _file(Path(path))

    @staticmethod
    def _vendor(name: str) -> Response:
        path = VENDOR.get(name)
        if path is None:
            return _json({"message": f"no such library: {name}"}, 404)
        if not path.is_file():
            return _json({"message": f"{path} is missing: run `npm ci` (make installs it)"}, 404)
        return _file(path)


def _changes_state(request: Request) -> bool:
    return request.method not in ("GET", "HEAD", "OPTIONS")


def _from_the_console_page(request: Request) -> bool:
    # A browser names the page on every POST and DELETE; a request naming none did not come from the console.
    return requesting_origin(request) is not None and not is_foreign(request)


def _file(path: Path) -> Response:
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    return Response(path.read_bytes(), content_type=content_type, headers={"Cache-Control": "no-cache"})
