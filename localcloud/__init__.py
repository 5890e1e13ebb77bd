"""Local cloud: runs the services offline (Lambda, Step Functions, ...) without Docker."""
