"""The CloudWatch metrics a handler published: powertools writes them to stdout as EMF documents (one JSON line
each, with an "_aws" key), which CloudWatch Logs turns into metrics on AWS."""
import json
from collections import Counter


def published_metrics(stdout: str) -> Counter:
    """Metric name -> the sum of its values over every EMF document in `stdout`."""
    totals = Counter()
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        document = json.loads(line)
        if "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                totals[metric["Name"]] += sum(value) if isinstance(value, list) else value
    return totals
