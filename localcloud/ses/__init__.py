"""Amazon SES, locally: moto sends, and the mailbox keeps every email as sent (GET /_aws/ses, LocalStack's format)."""
