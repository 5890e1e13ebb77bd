"""scripts/deploy.py (`make deploy`): the plan, the dependency checks and the recording of stack outputs.

No AWS here: CloudFormation is moto, and osls is replaced by a fake that "deploys" by creating the stack in moto.
The real env.json is never written: every test works on a copy (localcloud.serverless.services.ENV_FILE is patched).
"""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from localcloud.serverless import services  # noqa: E402

# scripts/ is not a package: load deploy.py by path.
_spec = importlib.util.spec_from_file_location("deploy_script", REPO_ROOT / "scripts" / "deploy.py")
deploy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deploy)

pytestmark = pytest.mark.timeout(60)
REGION = "us-east-1"


@pytest.fixture(autouse=True)
def env_file(tmp_path, monkeypatch):
    """A copy of env.json with no outputs recorded for dev, standing in for the real one."""
    env = json.loads((REPO_ROOT / "env.json").read_text())
    env["stages"]["dev"]["outputs"] = {}
    copy = tmp_path / "env.json"
    copy.write_text(json.dumps(env, indent=2) + "\n")
    monkeypatch.setattr(services, "ENV_FILE", copy)
    return copy


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield boto3.client("cloudformation", region_name=REGION)


@pytest.fixture
def no_subprocess(monkeypatch):
    def refuse(*args, **kwargs):
        pytest.fail(f"subprocess.run was called: {args}")
    monkeypatch.setattr(deploy.subprocess, "run", refuse)


def recorded(env_file, stage="dev"):
    return json.loads(env_file.read_text())["stages"][stage].get("outputs", {})


def record(env_file, service, outputs, stage="dev"):
    env = json.loads(env_file.read_text())
    env["stages"][stage]["outputs"][service] = outputs
    env_file.write_text(json.dumps(env))


def plausible(service_name, key):
    """A value of the shape the output's name promises (deploy.py refuses any other)."""
    if key.endswith("Arn"):
        return f"arn:aws:lambda:{REGION}:123456789012:function:{service_name}-{key}"
    if key.endswith(("Url", "Endpoint")):
        return f"https://{service_name}.example.test/{key}"
    return f"{service_name}-{key}"


def outputs_read_from(service_name):
    """Every output some other serverless.yml reads from this service, with a plausible value."""
    keys = {key for s in services.discover() for dep, key in deploy._OUTPUT_READ.findall(s.config_text)
            if dep == service_name and s.name != service_name}
    return {key: plausible(service_name, key) for key in sorted(keys)}


def create_stack(cfn, name, outputs):
    """A tiny stack whose Outputs are literal strings, so describe_stacks returns exactly these."""
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {key: {"Value": value} for key, value in outputs.items()}}
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_plan_for_all_services_follows_dependency_waves():
    waves = deploy.plan("dev")
    names = [[s.name for s in wave] for wave in waves]
    wave_of = {name: i for i, wave in enumerate(names) for name in wave}

    assert sorted(wave_of) == sorted(s.name for s in services.discover())
    assert sum(len(w) for w in names) == len(wave_of), "a service is planned twice"
    assert wave_of["shared"] == 0
    assert wave_of["orchestrator"] > wave_of["approval"] > wave_of["shared"]
    assert wave_of["orchestrator"] > wave_of["third-party-api"]
    for wave in waves:
        for service in wave:
            assert all(wave_of[dep] < wave_of[service.name] for dep in service.depends_on)


def test_service_with_a_missing_dependency_output_fails_naming_it(env_file, capsys):
    record(env_file, "shared", outputs_read_from("shared"))
    record(env_file, "approval", outputs_read_from("approval"))

    with pytest.raises(deploy.DeployError) as error:
        deploy.plan("dev", "orchestrator")
    assert "third-party-api" in str(error.value)
    assert "make deploy SERVICE=third-party-api STAGE=dev" in str(error.value)
    assert "SERVICE=approval" not in str(error.value)

    assert deploy.main(["--stage", "dev", "--service", "orchestrator"]) == 1
    assert "make deploy SERVICE=third-party-api STAGE=dev" in capsys.readouterr().err


def test_a_dependency_recorded_without_the_output_read_still_counts_as_missing(env_file):
    # serverless.yml would silently fall back to its 'not-deployed' placeholder: refuse instead.
    record(env_file, "shared", {})
    with pytest.raises(deploy.DeployError, match=r"shared \(needs SharedLambdaLayerQualifiedArn\)"):
        deploy.plan("dev", "approval")


def test_service_with_its_dependencies_recorded_plans_only_itself(env_file):
    for dep in ("shared", "approval", "third-party-api"):
        record(env_file, dep, outputs_read_from(dep))
    assert [[s.name for s in w] for w in deploy.plan("dev", "orchestrator")] == [["orchestrator"]]


def test_service_without_dependencies_plans_on_an_empty_stage():
    assert [[s.name for s in w] for w in deploy.plan("dev", "shared")] == [["shared"]]


def test_stage_local_is_refused(capsys, no_subprocess):
    with pytest.raises(deploy.DeployError, match="make local"):
        deploy.plan("local")
    assert deploy.main(["--stage", "local", "--dry-run"]) == 1
    assert "make local" in capsys.readouterr().err


@pytest.mark.parametrize("stage, service, message", [
    ("nope", None, "env.json has no stage 'nope'"),
    ("dev", "nope", "unknown service 'nope'"),
])
def test_unknown_stage_or_service_is_refused(stage, service, message):
    with pytest.raises(deploy.DeployError, match=message):
        deploy.plan(stage, service)


def test_record_stack_outputs_writes_the_useful_outputs_into_env_json(aws, env_file, capsys):
    real_env = (REPO_ROOT / "env.json").read_bytes()
    create_stack(aws, "waitflows-approval-dev", {
        "RequestApprovalFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:request",
        "RequestApprovalLambdaFunctionQualifiedArn": "arn:aws:lambda:us-east-1:123456789012:function:request:3",
        "ServerlessDeploymentBucketName": "waitflows-approval-dev-bucket",
    })

    changes = deploy.record_stack_outputs(aws, "dev", "approval")

    wanted = {"RequestApprovalFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:request"}
    assert changes == wanted
    assert recorded(env_file)["approval"] == wanted
    assert "+ outputs.approval.RequestApprovalFunctionArn" in capsys.readouterr().out
    assert deploy.record_stack_outputs(aws, "dev", "approval") == {}
    assert "unchanged" in capsys.readouterr().out
    assert (REPO_ROOT / "env.json").read_bytes() == real_env


def test_record_stack_outputs_prints_changed_and_removed_outputs(aws, env_file, capsys):
    record(env_file, "third-party-api", {"DoubleUrl": "https://old.example/double", "Gone": "x", "DoubleMethodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/double"})
    create_stack(aws, "waitflows-third-party-api-dev", {"DoubleUrl": "https://new.example/double", "DoubleMethodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/double"})

    changes = deploy.record_stack_outputs(aws, "dev", "third-party-api")

    assert changes == {"DoubleUrl": "https://new.example/double", "Gone": None}
    out = capsys.readouterr().out
    assert "~ outputs.third-party-api.DoubleUrl = https://new.example/double" in out
    assert "- outputs.third-party-api.Gone" in out
    assert recorded(env_file)["third-party-api"] == {"DoubleUrl": "https://new.example/double", "DoubleMethodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/double"}


def test_record_stack_outputs_of_a_missing_stack_says_so(aws, env_file):
    with pytest.raises(deploy.DeployError, match="stack waitflows-shared-dev not found in region us-east-1"):
        deploy.record_stack_outputs(aws, "dev", "shared")
    assert "shared" not in recorded(env_file)


def test_dry_run_prints_the_plan_and_runs_nothing(monkeypatch, capsys, no_subprocess):
    monkeypatch.setattr(deploy.boto3, "Session", lambda *a, **k: pytest.fail("dry run touched AWS"))

    assert deploy.main(["--stage", "dev", "--region", "eu-west-1", "--dry-run"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("wave 1: shared")
    assert out.index("build_layer.py") < out.index("osls deploy --stage dev --region eu-west-1")
    assert "record outputs of stack waitflows-orchestrator-dev" in out
    assert out.index("wave 1:") < out.index("(in services/approval/)") < out.index("(in services/orchestrator/)")


@pytest.fixture
def fake_osls(aws, env_file, monkeypatch, tmp_path):
    """Replace osls with a fake that creates the service's stack in moto, and note every command run."""
    calls = []
    fail_for = set()
    osls = tmp_path / "osls"
    osls.write_text("")
    monkeypatch.setattr(services, "OSLS", osls)

    def run(step, cwd, env):
        name = Path(cwd).name
        if step[-1].endswith("build_layer.py"):
            calls.append((name, "build_layer.py"))
            return subprocess.CompletedProcess(step, 0)
        service = deploy.find_service(name)
        if step[1] == "remove":
            calls.append((name, "osls remove"))
            aws.delete_stack(StackName=deploy.stack_name(service, "dev"))
            return subprocess.CompletedProcess(step, 0)
        calls.append((name, "osls"))
        assert step[1:] == ["deploy", "--stage", "dev", "--region", REGION]
        # What real osls would see: every output this service reads is already in env.json.
        service = deploy.find_service(name)
        assert deploy.missing_outputs("dev", service) == {}
        if name in fail_for:
            return subprocess.CompletedProcess(step, 1)
        outputs = {**outputs_read_from(name), "ServiceEndpoint": plausible(name, "ServiceEndpoint"),
                   "ServerlessDeploymentBucketName": f"{name}-bucket"}
        create_stack(aws, deploy.stack_name(service, "dev"), outputs)
        return subprocess.CompletedProcess(step, 0)

    monkeypatch.setattr(deploy.subprocess, "run", run)
    return calls, fail_for


def test_deploy_all_goes_wave_by_wave_and_records_outputs(fake_osls, env_file, capsys):
    calls, _ = fake_osls

    assert deploy.main(["--stage", "dev", "--region", REGION]) == 0

    assert calls[:2] == [("shared", "build_layer.py"), ("shared", "osls")]
    order = [name for name, what in calls if what == "osls"]
    assert sorted(order) == sorted(s.name for s in services.discover())
    assert order.index("orchestrator") > max(order.index("approval"), order.index("third-party-api"))
    outputs = recorded(env_file)
    assert outputs["shared"] == {**outputs_read_from("shared"), "ServiceEndpoint": plausible("shared", "ServiceEndpoint")}
    assert all("ServerlessDeploymentBucketName" not in o for o in outputs.values())
    assert "account 123456789012" in capsys.readouterr().out


def test_a_failed_osls_stops_the_deploy_naming_the_service(fake_osls, env_file, capsys):
    calls, fail_for = fake_osls
    fail_for.add("approval")

    assert deploy.main(["--stage", "dev", "--region", REGION]) == 1

    assert "deploying approval failed" in capsys.readouterr().err
    assert ("orchestrator", "osls") not in calls
    assert "approval" not in recorded(env_file)


def test_record_only_records_stacks_deployed_by_hand_without_osls(aws, env_file, no_subprocess):
    # No dependency check either: recording approval does not need shared's outputs.
    by_hand = "arn:aws:lambda:us-east-1:123456789012:function:by-hand"
    create_stack(aws, "waitflows-approval-dev", {"RequestApprovalFunctionArn": by_hand})

    assert deploy.main(["--stage", "dev", "--service", "approval", "--region", REGION, "--record-only"]) == 0

    assert recorded(env_file) == {"approval": {"RequestApprovalFunctionArn": by_hand}}


def test_no_credentials_says_how_to_configure_them(monkeypatch, tmp_path, capsys, no_subprocess):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    assert deploy.main(["--stage", "dev", "--service", "shared"]) == 1

    assert "aws configure" in capsys.readouterr().err


def test_record_only_for_every_service_skips_stacks_not_deployed(aws, env_file, capsys, no_subprocess):
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:waitflows-shared-dev:1"
    create_stack(aws, "waitflows-shared-dev", {"SharedLambdaLayerQualifiedArn": layer})

    assert deploy.main(["--stage", "dev", "--region", REGION, "--record-only"]) == 0

    assert recorded(env_file) == {"shared": {"SharedLambdaLayerQualifiedArn": layer}}
    assert "orchestrator: skipped, stack waitflows-orchestrator-dev not found" in capsys.readouterr().out


@pytest.mark.parametrize("outputs, message", [
    ({"ServerlessDeploymentBucketName": "bucket"}, "stack waitflows-shared-dev has no outputs"),
    ({"LayerName": "waitflows-shared-dev"},
     "stack waitflows-shared-dev has no output SharedLambdaLayerQualifiedArn, which "),
    ({"SharedLambdaLayerQualifiedArn": "not-deployed"},
     "stack waitflows-shared-dev: output SharedLambdaLayerQualifiedArn = 'not-deployed' is not an ARN"),
    ({"SharedLambdaLayerQualifiedArn": "arn:aws:lambda:us-east-1:123456789012:layer:x:1", "ServiceEndpoint": "x"},
     "output ServiceEndpoint = 'x' is not a URL"),
    ({"SharedLambdaLayerQualifiedArn": "arn:aws:lambda:us-east-1:123456789012:layer:x:1", "TableName": " "},
     "output TableName is empty"),
])
def test_what_is_not_a_usable_output_is_refused_naming_the_stack(aws, env_file, outputs, message):
    # moto keeps no outputs for change-set deploys: recording `"shared": {}` sent the next wave's osls into a crash.
    create_stack(aws, "waitflows-shared-dev", outputs)

    with pytest.raises(deploy.DeployError, match=re.escape(message)):
        deploy.record_stack_outputs(aws, "dev", "shared")
    assert "shared" not in recorded(env_file)


def test_remove_goes_last_wave_first_and_forgets_each_stack(fake_osls, env_file, capsys):
    calls, _ = fake_osls
    assert deploy.main(["--stage", "dev", "--region", REGION]) == 0
    calls.clear()

    assert deploy.main(["--remove", "--stage", "dev", "--region", REGION]) == 0

    order = [name for name, what in calls if what == "osls remove"]
    assert order[-1] == "shared"
    assert order.index("orchestrator") < min(order.index("approval"), order.index("third-party-api"))
    assert recorded(env_file) == {}


def test_remove_of_one_service_refuses_while_a_reader_is_deployed(env_file):
    record(env_file, "shared", outputs_read_from("shared"))
    record(env_file, "approval", outputs_read_from("approval"))

    with pytest.raises(deploy.DeployError, match="make remove SERVICE=approval STAGE=dev"):
        deploy.removal_plan("dev", "shared")
    assert [s.name for s in deploy.removal_plan("dev", "approval")] == ["approval"]
