"""AWS Secrets Manager: moto serves the API; what the local cloud adds for it (its gaps) lives here."""
