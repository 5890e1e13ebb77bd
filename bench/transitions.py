"""State transitions per RDS snapshot: the article's fixed 60 s poll, the growing wait, and the event-driven wait.

Step Functions (standard) bills one transition per state entered, so the figure is the count of *StateEntered
events in each execution's history. Time is scaled down on stage local: 1 minute of snapshot = 1 s of local time,
and the waits are scaled alike (env.json stage local: fixed wait 1 s = 60 s on AWS; the growing wait starts at 1 s
and doubles to a 16 s cap = 60 s doubling to 16 min on AWS, the dev settings). Counts are therefore those a
1, 10 or 60 minute snapshot would cost on AWS with the dev settings.
"""
import json
import time
import uuid

import requests

from bench.harness import API, EDGE, client
VARIANTS = {"fixed 60 s poll": "/rds-snapshot/snapshots/fixed-poll",
            "growing wait (x2, cap 16 min)": "/rds-snapshot/snapshots",
            "event-driven (task token)": "/rds-snapshot/snapshots/event-driven"}
MINUTES = (1, 10, 60)
SECONDS_PER_MINUTE = 1.0


def transitions(history: list[dict]) -> int:
    return sum(1 for event in history if event["type"].endswith("StateEntered"))


def measure() -> dict[tuple[str, int], int]:
    rds, sfn = client("rds"), client("stepfunctions")
    started = {}
    for minutes in MINUTES:
        db = f"bench-{minutes}m-{uuid.uuid4().hex[:8]}"
        rds.create_db_instance(DBInstanceIdentifier=db, DBInstanceClass="db.t3.micro", Engine="postgres",
                               MasterUsername="bench1", MasterUserPassword="not-a-secret-1", AllocatedStorage=20)
        requests.post(f"{EDGE}/_localcloud/rds/instances/{db}", json={"seconds": minutes * SECONDS_PER_MINUTE},
                      timeout=10).raise_for_status()
        for variant, path in VARIANTS.items():
            answer = requests.post(f"{API}{path}", json={"dbInstanceIdentifier": db}, timeout=30)
            answer.raise_for_status()
            started[(variant, minutes)] = answer.json()["executionArn"]
    figures = {}
    deadline = time.monotonic() + max(MINUTES) * SECONDS_PER_MINUTE * 2 + 60
    for key, arn in started.items():
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{key} still running")
            time.sleep(0.2)
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        figures[key] = transitions(history)
    return figures


def table(figures: dict[tuple[str, int], int]) -> str:
    lines = ["| variant | " + " | ".join(f"{m} min snapshot" for m in MINUTES) + " |",
             "|---|" + "---:|" * len(MINUTES)]
    for variant in VARIANTS:
        lines.append(f"| {variant} | " + " | ".join(str(figures[(variant, m)]) for m in MINUTES) + " |")
    return "\n".join(lines) + "\n"


def run(report) -> str:
    figures = measure()
    for (variant, minutes), count in figures.items():
        report(f"transitions per snapshot, {variant}, {minutes} min", count)
    return table(figures)


if __name__ == "__main__":   # against a running local cloud (BENCH_EDGE_PORT / BENCH_API_PORT for other ports)
    measured = measure()
    print(json.dumps({f"{k[0]} {k[1]}": v for k, v in measured.items()}))
    print(table(measured))
