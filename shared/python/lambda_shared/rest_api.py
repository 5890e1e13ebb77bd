"""The router of the repo's REST APIs: powertools' APIGatewayRestResolver, answering as every API here answers.

Responses keep the shapes of lambda_shared.http (JSON with {"message"} for errors, like API Gateway's own; pages
kept out of caches and frames), as powertools Response objects. A BadRequest raised by a route (a body that
lambda_shared.http refused, a field a route checks) answers 400 and counts BadRequests.
"""
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.metrics import MetricUnit

from lambda_shared import http
from lambda_shared.observability import metrics


def _response(shaped: dict) -> Response:
    return Response(status_code=shaped["statusCode"], body=shaped["body"], headers=shaped["headers"])


def json_answer(status: int, body, headers: dict | None = None) -> Response:
    return _response(http.json_response(status, body, headers))


def error_answer(status: int, message: str, details: dict | None = None, headers: dict | None = None) -> Response:
    shaped = http.error_response(status, message, details)
    shaped["headers"].update(headers or {})
    return _response(shaped)


def html_answer(status: int, html: str, headers: dict | None = None) -> Response:
    shaped = http.html_response(status, html)
    shaped["headers"].update(headers or {})
    return _response(shaped)


def resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver()

    @app.exception_handler(http.BadRequest)
    def bad_request(exc: http.BadRequest) -> Response:
        metrics.add_metric(name="BadRequests", unit=MetricUnit.Count, value=1)
        return error_answer(400, str(exc))

    return app
