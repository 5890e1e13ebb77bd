"""AWS Identity and Access Management, locally: every request is evaluated against its caller's policies.

- policy.py: the policy language and AWS's evaluation logic (explicit deny, allow, implicit deny; wildcards,
  NotAction/NotResource, conditions, policy variables). Used for IAM and for AWS IoT Core policies alike.
- requests.py: what IAM sees of one AWS API request (identify): signer, service, operation, action, resources.
- operations.py: each operation in IAM's terms: the actions it is authorized as and the ARNs they are evaluated on.
- names.py: the names only the local cloud's state can turn into ARNs (a secret's suffix, an SES identity).
"""
