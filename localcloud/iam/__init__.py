"""AWS Identity and Access Management, locally: every request is evaluated against its caller's policies.

- policy.py: the policy language and AWS's evaluation logic (explicit deny, allow, implicit deny; wildcards,
  NotAction/NotResource, conditions, policy variables). Used for IAM and for AWS IoT Core policies alike.
"""
