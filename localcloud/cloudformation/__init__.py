"""AWS CloudFormation, locally: a service's template read as CloudFormation deploys it.

- stack.py: Ref, Fn::GetAtt, Fn::Sub... resolved with local physical names (the template's values, as deployed).
- provisioner.py: the template's data resources (tables, queues, topics, secrets, identities, activities) created
  through the AWS API, also under moto's mock_aws for the integration tests.
"""
