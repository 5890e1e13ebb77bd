"""Activities: GetActivityTask at the AWS endpoint, long-polling moto's engine (moto_gaps gaps 6-8)."""
import threading

from werkzeug.wrappers import Request, Response

from localcloud import moto_gaps
from localcloud.edge.server import aws_json, client_hung_up, target_of


class Activities:
    name = "activities"

    def __init__(self):
        self._stopping = threading.Event()

    def start(self, cloud) -> None:
        moto_gaps.enable_activities()
        cloud.edge.add_route(lambda request, body: target_of(request) == "AWSStepFunctions.GetActivityTask",
                             self._get_activity_task)

    def stop(self) -> None:
        self._stopping.set()

    def _get_activity_task(self, request: Request, body: bytes) -> Response:
        status, answer = moto_gaps.get_activity_task(body, stopping=self._stopping,
                                                     poller_gone=client_hung_up(request))
        return aws_json(status, answer)
