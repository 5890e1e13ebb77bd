"""Job records in DynamoDB. The item holds the task token: the API never returns it, the logs never show it."""
import json
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from iot_callback.logic.jobs import FINAL_PROGRESS, Job, Progress, Report
from lambda_shared.aws import DynamoTable

_RETENTION_SECONDS = 30 * 86400


class AlreadyReported(Exception):
    """The conditional write lost: this job already has its final report (a duplicated or late message)."""


class NotTheTenantsJob(Exception):
    """No such job for this tenant (unknown id, or another tenant's job)."""


def _is_conditional_failure(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


class JobStore(DynamoTable):
    def add(self, job: Job, now_epoch: int) -> None:
        self._table.put_item(
            Item={"jobId": job.job_id, "tenant": job.tenant, "inputJson": json.dumps(job.input),
                  "status": job.status, "executionArn": job.execution_arn, "createdAt": job.created_at,
                  "ttl": now_epoch + _RETENTION_SECONDS},
            ConditionExpression="attribute_not_exists(jobId)",
        )

    def set_execution(self, job_id: str, execution_arn: str) -> None:
        self._table.update_item(Key={"jobId": job_id}, UpdateExpression="SET executionArn = :e",
                                ExpressionAttributeValues={":e": execution_arn})

    def dispatched(self, job_id: str, tenant: str, job_input: Any, task_token: str, execution_arn: str,
                   now: str, now_epoch: int) -> None:
        """Record the task token before the job leaves; a job started without the API gets its record here."""
        self._table.update_item(
            Key={"jobId": job_id},
            UpdateExpression="SET tenant = :t, taskToken = :k, executionArn = :e, #s = :s, dispatchedAt = :now, "
                             "inputJson = if_not_exists(inputJson, :i), createdAt = if_not_exists(createdAt, :now), "
                             "#ttl = if_not_exists(#ttl, :ttl)",
            ConditionExpression="attribute_not_exists(jobId) OR tenant = :t",
            ExpressionAttributeNames={"#s": "status", "#ttl": "ttl"},
            ExpressionAttributeValues={":t": tenant, ":k": task_token, ":e": execution_arn, ":s": "dispatched",
                                       ":now": now, ":i": json.dumps(job_input), ":ttl": now_epoch + _RETENTION_SECONDS},
        )

    def get(self, job_id: str) -> Job | None:
        item = self._table.get_item(Key={"jobId": job_id}, ConsistentRead=True).get("Item")
        if not item:
            return None
        progress = item.get("progress")
        return Job(
            job_id=item["jobId"], tenant=item["tenant"], input=json.loads(item.get("inputJson", "null")),
            status=item.get("status", "submitted"), execution_arn=item.get("executionArn", ""),
            task_token=item.get("taskToken", ""), created_at=item.get("createdAt", ""),
            progress={"percent": float(progress["percent"]), "message": progress["message"], "at": progress["at"]}
            if progress else None,
            result=json.loads(item["resultJson"]) if "resultJson" in item else None,
            error=item.get("error"), cancel_requested_at=item.get("cancelRequestedAt"),
            delivered_at=item.get("deliveredAt"),
        )

    def get_for_tenant(self, job_id: str, tenant: str) -> Job:
        job = self.get(job_id)
        if job is None or job.tenant != tenant:
            raise NotTheTenantsJob(job_id)
        return job

    def claim_report(self, report: Report, now: str) -> None:
        """Write the final report once: the first report of a dispatched job wins, any later one changes nothing.

        A success also makes the job's progress final (100%), whatever progress message is still on its way.
        """
        values: dict[str, Any] = {":s": report.status, ":t": report.tenant, ":now": now}
        names = {"#s": "status"}
        update = "SET #s = :s, reportedAt = :now"
        if report.status == "succeeded":
            update += ", resultJson = :r, progress = :p"
            values[":r"] = json.dumps(report.result)
            percent, message = FINAL_PROGRESS
            values[":p"] = {"percent": Decimal(percent), "message": message, "at": now}
        else:
            update += ", #error = :e"
            names["#error"] = "error"
            values[":e"] = {"type": report.error_type, "message": report.error_message}
        try:
            self._table.update_item(
                Key={"jobId": report.job_id}, UpdateExpression=update,
                ConditionExpression="attribute_exists(jobId) AND tenant = :t AND attribute_not_exists(reportedAt)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                raise AlreadyReported(report.job_id) from None
            raise

    def mark_delivered(self, job_id: str, now: str) -> None:
        """Step Functions took the final report: a duplicate from now on has nothing left to do."""
        self._table.update_item(Key={"jobId": job_id}, UpdateExpression="SET deliveredAt = :now",
                                ExpressionAttributeValues={":now": now})

    def release_report(self, job_id: str) -> None:
        """Undo claim_report when the callback could not be delivered, so a retry of the message can try again."""
        self._table.update_item(Key={"jobId": job_id},
                                UpdateExpression="SET #s = :s REMOVE reportedAt, resultJson, #error",
                                ExpressionAttributeNames={"#s": "status", "#error": "error"},
                                ExpressionAttributeValues={":s": "dispatched"})

    def record_progress(self, progress: Progress, now: str) -> bool:
        """Store a running job's progress if it is newer than the stored one (by the worker's seq).

        False when the job is unknown, another tenant's, over, or already past this message: progress never goes
        backwards, whatever order the messages arrive in.
        """
        try:
            self._table.update_item(
                Key={"jobId": progress.job_id},
                UpdateExpression="SET progress = :p, progressSeq = :seq, #s = :running",
                ConditionExpression="attribute_exists(jobId) AND tenant = :t AND attribute_not_exists(reportedAt)"
                                    " AND (attribute_not_exists(progressSeq) OR progressSeq < :seq)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":p": {"percent": Decimal(str(progress.percent)), "message": progress.message,
                                                  "at": now},
                                           ":seq": progress.seq, ":t": progress.tenant, ":running": "running"},
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def cancel_requested(self, job_id: str, now: str) -> None:
        self._table.update_item(Key={"jobId": job_id}, UpdateExpression="SET cancelRequestedAt = :now",
                                ExpressionAttributeValues={":now": now})
