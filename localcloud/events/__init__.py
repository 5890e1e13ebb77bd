"""Amazon EventBridge, locally: the templates' rules (event patterns and schedules) delivering to their Lambda
targets (bus.py)."""
