"""An sqs:sendMessage task's service errors named as AWS names them: `SQS.AmazonSQSException`, with SQS's details.

The gap: moto's engine fails every error SQS answers as `SQS.SdkClientException` with SQS's bare message. AWS's
optimised SQS integration (the Java SDK v1) keeps SdkClientException for errors on the client's side; an error
SQS answers is the SDK's exception for it (`SQS.QueueDoesNotExistException` for a modelled one, else the
service's own `SQS.AmazonSQSException`), its cause "The request must contain the parameter MessageBody. (Service:
AmazonSQS; Status Code: 400; Error Code: MissingParameter; Request ID: ...; Proxy: null)". A state machine that
catches SQS.AmazonSQSException never saw its error.
Fixed: an error SQS answered is named and described so; other failures keep moto's SdkClientException.
"""


def sqs_errors_name_the_exception() -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_sqs as sqs
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = sqs.StateTaskServiceSqs._from_error
    if getattr(original, "_localcloud_fix", False):
        return

    def _from_error(self, env, ex):
        if not isinstance(ex, sqs.ClientError):
            return original(self, env, ex)
        modelled = type(ex).__name__   # botocore's class for an error its model names, else ClientError
        exception = ("AmazonSQSException" if modelled == "ClientError" else
                     modelled if modelled.endswith("Exception") else f"{modelled}Exception")
        error, response = f"SQS.{exception}", ex.response
        cause = (f"{response['Error'].get('Message', '')} (Service: AmazonSQS; Status Code: "
                 f"{response['ResponseMetadata']['HTTPStatusCode']}; Error Code: {response['Error'].get('Code')}; "
                 f"Request ID: {response['ResponseMetadata'].get('RequestId')}; Proxy: null)")
        return FailureEvent(env=env, error_name=CustomErrorName(error), event_type=HistoryEventType.TaskFailed,
                            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                                error=error, cause=cause, resource=self._get_sfn_resource(),
                                resourceType=self._get_sfn_resource_type())))

    _from_error._localcloud_fix = True
    _from_error.__wrapped__ = original
    sqs.StateTaskServiceSqs._from_error = _from_error
