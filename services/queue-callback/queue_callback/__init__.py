"""Queue callback service (seeds 001, 003): a task token travels in an SQS message and comes back from its consumer."""
