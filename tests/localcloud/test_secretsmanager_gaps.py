"""The Secrets Manager gap localcloud/secretsmanager/moto_gaps.py fixes, shown twice: present in the pinned moto
without the fix, gone with it. Each scenario runs in a subprocess, so the fix (a patch of moto's classes) cannot
leak into the other.

When a moto upgrade closes the gap, the "without the fix" test fails: then delete the fix.
"""
import textwrap

from tests.support.scenarios import run_scenario

_CREATE_SECRET = textwrap.dedent('''
    import json, sys
    import boto3
    from moto import mock_aws
    from localcloud.secretsmanager.moto_gaps import create_secret_refuses_invalid_names

    if sys.argv[1] == "fixed":
        create_secret_refuses_invalid_names()
    with mock_aws():
        secrets = boto3.client("secretsmanager", "us-east-1")
        answers = []
        for name in ("Invalid Name", "app/dev_1/key+=.@!-"):
            try:
                answers.append(secrets.create_secret(Name=name, SecretString="s")["Name"])
            except secrets.exceptions.ClientError as exc:
                answers.append([exc.response["Error"]["Code"], exc.response["Error"]["Message"]])
        print(json.dumps(answers))
''')


def run_create_secret(fixed: bool) -> list:
    return run_scenario(_CREATE_SECRET, fixed=fixed)


def test_create_secret_moto_still_creates_a_secret_under_an_invalid_name():
    assert run_create_secret(fixed=False)[0] == "Invalid Name", "moto refuses invalid names now: drop the fix"


def test_create_secret_fix_refuses_an_invalid_name_and_keeps_valid_ones():
    assert run_create_secret(fixed=True) == [
        ["ValidationException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of "
                                "the following: -/_+=.@!"], "app/dev_1/key+=.@!-"]
