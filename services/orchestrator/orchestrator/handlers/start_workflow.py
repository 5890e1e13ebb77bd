"""POST /calculate {"x", "y"}: start the approval workflow; an Idempotency-Key makes a retry answer the same run."""
from lambda_shared import idempotency
from lambda_shared.http import BadRequest, error_response, json_body, json_response
from lambda_shared.observability import logger, metrics, tracer
from orchestrator import container, flows
from orchestrator.logic.calculation import NotTwoNumbers

workflows = container.approval_workflows()     # checked at cold start
calculate_requests = container.calculate_requests()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    try:
        started = calculate_requests.run(idempotency.idempotency_key(event), json_body(event), context,
                                         lambda body: flows.start_workflow(body, workflows=workflows))
    except (BadRequest, NotTwoNumbers) as exc:
        return error_response(400, str(exc))
    except idempotency.Refused as exc:
        return exc.response()
    return json_response(200, started)
