"""The work waiting outside Step Functions: queue depths, activity tasks, on-premises jobs, found generically.

- queues: SQS ListQueues + GetQueueAttributes;
- activity tasks: Step Functions has no API listing them, so they are read from the histories of running
  executions (ActivityScheduled without ActivityStarted = pending; started and not ended = with a worker);
- on-premises jobs: any API Gateway route `GET .../jobs/{id}` (and `POST .../jobs/{id}/cancel`) of any service;
  job ids come from `GET .../jobs` when that route exists, else from the "jobId" values in running executions and
  in the input of the latest ended executions of that service's state machines (finished jobs, with their results).
"""
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

_JOB_ID = re.compile(r'"jobId"\s*:\s*"([^"]+)"')
_ACTIVITY_END = ("ActivitySucceeded", "ActivityFailed", "ActivityTimedOut")
# What GET /jobs/{id} says of a job that is over: its view no longer changes.
FINISHED_STATUSES = {"succeeded", "failed", "cancelled", "timed-out", "aborted"}


@dataclass
class JobRoutes:
    service: str             # iot-callback
    base_url: str            # http://127.0.0.1:3000/iot-callback
    list_path: str | None    # /jobs, when the service lists its jobs
    get_path: str            # /jobs/{jobId}
    cancel_path: str | None  # /jobs/{jobId}/cancel

    def url(self, path: str, job_id: str = "") -> str:
        return self.base_url + re.sub(r"\{[^}]+\}", urllib.request.quote(job_id, safe=""), path)


def find_job_routes(routes, api_url: str) -> JobRoutes | None:
    """The first service whose API has GET /jobs/{id}; routes are localcloud.apigateway.Route objects."""
    by_service: dict[str, dict[tuple[str, str], object]] = {}
    for route in routes:
        by_service.setdefault(route.service, {})[(route.method, route.resource_path)] = route
    for service, found in sorted(by_service.items()):
        for method, path in found:
            if method in ("GET", "ANY") and re.fullmatch(r"(.*/jobs)/\{[^}/]+\}", path):
                prefix = path.rsplit("/", 1)[0]
                listed = next((p for m, p in found if p == prefix and m in ("GET", "ANY")), None)
                cancel = next((p for m, p in found if p == f"{path}/cancel" and m in ("POST", "ANY")), None)
                return JobRoutes(service, f"{api_url}/{service}", listed, path, cancel)
    return None


def queue_depths(sqs) -> list[dict]:
    queues = []
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
        queues.append({
            "name": url.rsplit("/", 1)[-1], "url": url,
            "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
            "inFlight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            "delayed": int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
            "deadLetterTarget": json.loads(attributes.get("RedrivePolicy", "{}")).get("deadLetterTargetArn"),
        })
    return queues


def activity_tasks(activities: list[dict], running: dict[str, list[dict]]) -> list[dict]:
    """One row per activity, with the tasks of running executions (executionArn -> history) waiting on it."""
    rows = {a["activityArn"]: {"name": a["name"], "arn": a["activityArn"], "pending": [], "withWorker": []}
            for a in activities}
    for execution_arn, events in running.items():
        open_tasks: dict[int, dict] = {}
        for event in events:
            kind = event["type"]
            if kind == "ActivityScheduled":
                details = event["activityScheduledEventDetails"]
                open_tasks[event["id"]] = {"executionArn": execution_arn, "activityArn": details["resource"],
                                           "input": details.get("input"), "worker": None,
                                           "scheduled": str(event["timestamp"])}
            elif kind == "ActivityStarted":
                task = open_tasks.get(_scheduled_id(event, open_tasks))
                if task:
                    task["worker"] = event.get("activityStartedEventDetails", {}).get("workerName") or "worker"
            elif kind in _ACTIVITY_END or kind == "ActivityScheduleFailed":
                open_tasks.pop(_scheduled_id(event, open_tasks), None)
        for task in open_tasks.values():
            row = rows.setdefault(task["activityArn"], {"name": task["activityArn"].rsplit(":", 1)[-1],
                                                        "arn": task["activityArn"], "pending": [], "withWorker": []})
            row["withWorker" if task["worker"] else "pending"].append(task)
    return list(rows.values())


def _scheduled_id(event: dict, open_tasks: dict[int, dict]) -> int | None:
    """The ActivityScheduled event this one continues: previousEventId chains back to it (or the latest open)."""
    previous = event.get("previousEventId")
    for _ in range(3):
        if previous in open_tasks:
            return previous
        previous = previous - 1 if previous else None
    return max(open_tasks) if open_tasks else None


def job_ids_in(running: dict[str, list[dict]]) -> list[str]:
    return job_ids_in_texts(json.dumps(event, default=str).replace('\\"', '"')
                            for events in running.values() for event in events)


def job_ids_in_texts(texts) -> list[str]:
    found = []
    for text in texts:
        for job_id in _JOB_ID.findall(text or ""):
            if job_id not in found:
                found.append(job_id)
    return found


def http_json(method: str, url: str, timeout: float = 5) -> tuple[int, object]:
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        return status, json.loads(body or b"null")
    except json.JSONDecodeError:
        return status, body.decode("utf-8", errors="replace")


def jobs(job_routes: JobRoutes | None, job_ids: list[str], settled: set[str], finished: dict[str, dict]) -> dict:
    """Each job as GET /jobs/{id} shows it. `finished` (job id -> item) is the caller's memory of jobs that are over
    and whose execution has ended (`settled`: before that, the execution's verdict may still change the view),
    asked once: every GET is a Lambda invocation, and the page refreshes every two seconds."""
    if job_routes is None:
        return {"available": False, "items": [],
                "hint": "No service has a GET /jobs/{jobId} route yet (the iot-callback service adds one)."}
    if job_routes.list_path:
        status, listed = http_json("GET", job_routes.url(job_routes.list_path))
        if status == 200:
            items = listed.get("jobs", listed.get("items", [])) if isinstance(listed, dict) else listed
            job_ids = [i.get("jobId") if isinstance(i, dict) else str(i) for i in items or []] or job_ids
    items = []
    for job_id in [j for j in job_ids if j]:
        if job_id in finished:
            items.append(finished[job_id])
            continue
        status, job = http_json("GET", job_routes.url(job_routes.get_path, job_id))
        job = job if isinstance(job, dict) else {"detail": job}
        item = {"jobId": job_id, "httpStatus": status, "status": job.get("status"), "progress": _percent(job),
                "result": job.get("result"), "error": job.get("error"), "job": job,
                "finished": job.get("status") in FINISHED_STATUSES,
                "cancellable": bool(job_routes.cancel_path) and job.get("status") not in FINISHED_STATUSES}
        if item["finished"] and job_id in settled:
            finished[job_id] = item
        items.append(item)
    return {"available": True, "items": items, "cancel": bool(job_routes.cancel_path),
            "hint": "" if items else f"No jobs yet: start one through {job_routes.base_url}."}


def cancel_job(job_routes: JobRoutes | None, job_id: str) -> tuple[int, object]:
    if job_routes is None or not job_routes.cancel_path:
        return 404, {"message": "no POST /jobs/{jobId}/cancel route in any service"}
    return http_json("POST", job_routes.url(job_routes.cancel_path, job_id))


def _percent(job: dict) -> float | None:
    for key in ("progress", "percent", "percentage", "percentComplete"):
        value = job.get(key)
        if isinstance(value, dict):
            value = value.get("percent", value.get("progress"))
        if isinstance(value, (int, float)):
            return float(value * 100 if 0 < value < 1 and key == "progress" else value)
    return None
