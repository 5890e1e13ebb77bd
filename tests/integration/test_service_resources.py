"""The resources the integration tests run against are the ones each serverless.yml declares."""
from localcloud.serverless import services
from localcloud.cloudformation.stack import API_BASE
from tests.support.aws import STAGE, moto_client


def test_given_approval_serverless_yml_when_built_then_its_table_has_the_declared_name_key_billing_and_ttl(
        service_resources):
    approval = service_resources("approval")
    table_name = approval.environment("requestApproval")["APPROVALS_TABLE"]

    table = moto_client("dynamodb").describe_table(TableName=table_name)["Table"]

    assert table_name == "waitflows-approval-dev-approvals"
    assert table["KeySchema"] == [{"AttributeName": "approvalId", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = moto_client("dynamodb").describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}


def test_given_approval_serverless_yml_when_built_then_the_link_key_is_a_generated_secret_of_64_characters(
        service_resources):
    approval = service_resources("approval")
    secret_id = approval.environment("requestApproval")["LINK_KEY_SECRET_ID"]

    secret = moto_client("secretsmanager").get_secret_value(SecretId=secret_id)

    assert secret["Name"] == "waitflows-approval/dev/link-key"
    assert len(secret["SecretString"]) == 64


def test_given_approval_serverless_yml_when_built_then_the_sender_is_a_verified_ses_identity(service_resources):
    sender = service_resources("approval").environment("requestApproval")["SENDER_EMAIL"]

    assert sender in moto_client("ses").list_verified_email_addresses()["VerifiedEmailAddresses"]


def test_given_every_approval_function_when_configured_then_each_gets_the_same_settings_from_env_json(
        service_resources):
    approval = service_resources("approval")
    keys = ["requestApproval", "showApproval", "submitApproval", "getApprovalStatus", "postApprovalDecision"]

    environments = [approval.environment(key) for key in keys]

    assert all(env == environments[0] for env in environments)
    settings = services.stage_section(STAGE)["settings"]
    assert environments[0]["APPROVER_EMAIL"] == settings["approverEmail"]
    assert environments[0]["SENDER_EMAIL"] == settings["senderEmail"]
    assert environments[0]["POWERTOOLS_SERVICE_NAME"] == "approval"
    # The API's execute-api URL, rewritten to the local API Gateway's address for this service.
    assert environments[0]["APPROVAL_BASE_URL"] == f"{API_BASE}/approval"
