"""Preparing an order, the work the queue-callback workflows wait for: plain Python, no AWS.

In the shared layer because two runtimes run it and must not drift apart: the Lambdas of services/queue-callback
(the SQS consumer, the pull model's scheduled poller) and the activity worker outside AWS (python -m
workers.activity), which imports it from shared/python without depending on a service.
"""
