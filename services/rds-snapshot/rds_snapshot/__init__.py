"""RDS snapshot service (seeds 001, 002): a long-running job waited on by polling or by an event."""
