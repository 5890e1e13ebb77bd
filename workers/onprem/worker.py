"""The worker: one MQTT connection (mutual TLS, persistent session, QoS 1), each job in its own thread.

- Persistent session (clean_session=False) and QoS 1 subscriptions: jobs published while the worker was offline
  wait in the broker and arrive when it reconnects. paho reconnects by itself with exponential backoff.
- Jobs are acknowledged (PUBACK) when the worker takes them, not before: a job that arrives while the worker shuts
  down is left unacknowledged, so the broker hands it to the next connection of this session.
- While a job runs, its thread heartbeats every heartbeatSeconds/3 (the job message says how long the state
  machine waits); progress and the final report go out QoS 1.
- A job function's exception is reported as "failed" with the exception's type and message, never as a success.
"""
import json
import logging
import socket
import ssl
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from workers.onprem.config import WorkerConfig
from workers.onprem.jobs import ON_REQUEST, SHUTDOWN, Job, JobCancelled, RunningJob

log = logging.getLogger("workers.onprem")
_REMEMBERED_JOBS = 1000      # ids of finished/cancelled jobs kept to recognise redeliveries


class Worker:
    def __init__(self, config: WorkerConfig, job: Job):
        self.config = config
        self._job = job
        self._topics = config.topics
        self._lock = threading.Lock()
        self._running: dict[str, RunningJob] = {}
        self._threads: list[threading.Thread] = []
        self._seen: dict[str, None] = {}           # insertion-ordered set of job ids taken or finished
        self._cancelled_early: dict[str, None] = {}
        self._stopping = threading.Event()
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=config.client_id, clean_session=False,
                                  protocol=mqtt.MQTTv311, manual_ack=True)
        self.client.tls_set(ca_certs=str(config.ca), certfile=str(config.cert), keyfile=str(config.key),
                            cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.client.reconnect_delay_set(min_delay=1, max_delay=max(1, int(config.max_backoff)))
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    # --- lifecycle -------------------------------------------------------------------------------------------------
    def start(self) -> None:
        for path in (self.config.ca, self.config.cert, self.config.key):
            if not path.exists():
                raise FileNotFoundError(f"{path} does not exist (locally: `make local` makes the CA and `make worker "
                                        "TENANT=...` onboards the tenant; for AWS IoT pass --ca/--cert/--key)")
        # connect_async: a broker that is down at start is retried with backoff, like a lost connection.
        self.client.connect_async(self.config.endpoint, self.config.port, keepalive=30)
        self.client.loop_start()

    def shutdown(self) -> None:
        """SIGTERM: take no new job, give running ones the grace period, report the rest, disconnect cleanly."""
        self._stopping.set()
        log.info("shutting down: %d job(s) running", len(self._running))
        deadline_each = self.config.shutdown_grace
        for running in list(self._running.values()):
            if not running.finished.wait(deadline_each):
                log.warning("job %s did not finish within the grace period: stopping it", running.job_id)
                running.cancel(SHUTDOWN)
            deadline_each = 0.01
        for thread in list(self._threads):
            thread.join(timeout=5)
        self.client.disconnect()    # a clean DISCONNECT; the persistent session (and its queue) stays
        self.client.loop_stop()
        log.info("stopped")

    # --- MQTT callbacks (paho's network thread) --------------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("connection refused: %s", reason_code)
            return
        # Small MQTT packets must leave at once, not wait for the broker's delayed ACK (Nagle's algorithm).
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log.info("connected to %s:%s as %s (session present: %s)", self.config.endpoint, self.config.port,
                 self.config.client_id, flags.session_present)
        client.subscribe([(self._topics["jobs"], 1), (self._topics["control"], 1)])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if any(code.is_failure for code in reason_codes):
            log.error("subscription refused: %s (check the certificate's policy)", reason_codes)
            return
        log.info("ready: waiting for jobs on %s", self._topics["jobs"])
        self.ready.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.ready.clear()
        if not self._stopping.is_set():
            log.warning("disconnected (%s); reconnecting with backoff", reason_code)

    def _on_message(self, client, userdata, message):
        try:
            body = json.loads(message.payload)
            if not isinstance(body, dict) or not isinstance(body.get("jobId"), str):
                raise ValueError("not a JSON object with a jobId")
        except ValueError as exc:
            log.warning("ignoring a malformed message on %s: %s", message.topic, exc)
            client.ack(message.mid, message.qos)
            return
        if message.topic == self._topics["control"]:
            self._control(body)
            client.ack(message.mid, message.qos)
        elif message.topic == self._topics["jobs"]:
            if self._stopping.is_set():
                return      # not acknowledged: the broker redelivers it to this session's next connection
            self._take(body)
            client.ack(message.mid, message.qos)

    # --- jobs ------------------------------------------------------------------------------------------------------
    def _remember(self, bucket: dict, job_id: str) -> None:
        bucket[job_id] = None
        while len(bucket) > _REMEMBERED_JOBS:
            bucket.pop(next(iter(bucket)))

    def _control(self, body: dict) -> None:
        job_id = body["jobId"]
        if body.get("action") != "cancel":
            log.warning("unknown control action %r for job %s", body.get("action"), job_id)
            return
        with self._lock:
            running = self._running.get(job_id)
            if running is None:
                # The cancel may overtake its job (e.g. both queued while offline): remember it.
                self._remember(self._cancelled_early, job_id)
        if running is not None:
            log.info("cancelling job %s", job_id)
            running.cancel(ON_REQUEST)

    def _take(self, body: dict) -> None:
        job_id = body["jobId"]
        with self._lock:
            if job_id in self._seen:
                log.info("job %s delivered again: already taken", job_id)
                return
            self._remember(self._seen, job_id)
            running = RunningJob(job_id, self._publish_progress)
            if job_id in self._cancelled_early:
                running.cancel(ON_REQUEST)
            self._running[job_id] = running
        thread = threading.Thread(target=self._run, args=(running, body), name=f"job-{job_id[:8]}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, running: RunningJob, body: dict) -> None:
        job_id = running.job_id
        heartbeat_seconds = body.get("heartbeatSeconds")
        interval = max(0.2, float(heartbeat_seconds) / 3) if isinstance(heartbeat_seconds, (int, float)) else 10.0
        beat = threading.Thread(target=self._heartbeat, args=(running, interval), name=f"beat-{job_id[:8]}",
                                daemon=True)
        beat.start()
        log.info("job %s started", job_id)
        try:
            job_input = body.get("input")
            if not isinstance(job_input, dict):
                raise TypeError("the job's input must be a JSON object")
            running.check()
            result = self._job(job_input, running)
            report: dict[str, Any] = {"jobId": job_id, "status": "succeeded", "result": result}
            json.dumps(report)   # a result that is not JSON is the job's failure, not a broken message
        except JobCancelled as exc:
            if exc.reason == SHUTDOWN:
                # Not the user's cancel: the run ends as the worker's failure, with the reason.
                report = {"jobId": job_id, "status": "failed", "error": {"type": "WorkerStopped", "message": str(exc)}}
            else:
                report = {"jobId": job_id, "status": "cancelled", "error": {"type": "Cancelled", "message": str(exc)}}
        except Exception as exc:   # noqa: BLE001 - any failure of the job is reported, with its type and message
            log.warning("job %s failed: %s: %s", job_id, type(exc).__name__, exc)
            report = {"jobId": job_id, "status": "failed",
                      "error": {"type": type(exc).__name__, "message": str(exc)[:4000]}}
        finally:
            running.finished.set()
            beat.join(timeout=5)
            with self._lock:
                self._running.pop(job_id, None)
        self._publish(self._topics["results"], report)
        log.info("job %s %s", job_id, report["status"])

    def _heartbeat(self, running: RunningJob, interval: float) -> None:
        # The first beat at once: Step Functions counts HeartbeatSeconds from the dispatch, not from the pick-up.
        while True:
            self._publish(self._topics["heartbeat"], {"jobId": running.job_id})
            if running.finished.wait(interval):
                return

    def _publish_progress(self, job_id: str, seq: int, percent: float, message: str) -> None:
        self._publish(self._topics["progress"], {"jobId": job_id, "seq": seq, "percent": percent,
                                                 "message": message[:500]})

    def _publish(self, topic: str, message: dict) -> None:
        # QoS 1 through a persistent session: paho keeps the message while offline and sends it on reconnect.
        info = self.client.publish(topic, json.dumps(message), qos=1)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            log.error("could not queue a message on %s: %s", topic, mqtt.error_string(info.rc))
