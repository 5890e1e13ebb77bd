"""AWS X-Ray, locally: the daemon functions send their segments to, feeding moto's X-Ray API (GetTraceSummaries,
BatchGetTraces at the AWS endpoint), and the trace header each traced invocation gets."""
