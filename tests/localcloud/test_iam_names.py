"""localcloud/iam/names.py: MotoNames answers from moto's in-process backends, the way the edge will ask them."""
import boto3
from moto import mock_aws

from localcloud.iam.names import MotoNames

ACCOUNT, REGION = "123456789012", "us-east-1"


@mock_aws
def test_a_secret_by_name_or_partial_arn_is_its_complete_arn_with_the_random_suffix():
    created = boto3.client("secretsmanager", REGION).create_secret(Name="approval/dev/link-key", SecretString="k")
    names = MotoNames(account=ACCOUNT, region=REGION)
    partial = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:approval/dev/link-key"
    assert created["ARN"].startswith(partial + "-") and len(created["ARN"]) == len(partial) + 7
    for secret_id in ("approval/dev/link-key", partial, created["ARN"]):
        assert names.secret_arn(secret_id) == created["ARN"]


@mock_aws
def test_an_unknown_secret_stays_as_named():
    assert MotoNames(account=ACCOUNT, region=REGION).secret_arn("nope") == "nope"


@mock_aws
def test_an_address_sends_as_itself_when_verified_else_as_its_verified_domain():
    ses = boto3.client("ses", REGION)
    ses.verify_email_identity(EmailAddress="noreply@example.com")
    ses.verify_domain_identity(Domain="example.org")
    names = MotoNames(account=ACCOUNT, region=REGION)
    assert names.ses_identity("noreply@example.com") == "noreply@example.com"
    assert names.ses_identity("jobs@example.org") == "example.org"
    assert names.ses_identity("someone@elsewhere.net") == "someone@elsewhere.net"
