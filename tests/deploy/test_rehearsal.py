"""The deploy rehearsal's findings, one per test: every wave deployed, outputs recorded and read, the workflows,
an unchanged redeploy, a clean removal, and its list of gaps."""
import pytest

from deploy_rehearsal import drives, gaps
from localcloud.serverless import services

pytestmark = pytest.mark.timeout(600)


def step(rehearsal, name):
    found = [s for s in rehearsal["steps"] if s["name"] == name]
    assert found, f"the rehearsal did not run {name!r}: {[s['name'] for s in rehearsal['steps']]}"
    return found[0]


def test_every_service_deploys_with_the_real_osls_and_records_its_outputs(rehearsal):
    deployed = step(rehearsal, "deploy every wave with the real osls")
    assert deployed["ok"], deployed["detail"]
    assert f"{len(services.discover())} stacks deployed" in deployed["detail"]


def test_each_wave_deploys_with_what_the_earlier_waves_recorded(rehearsal):
    read = step(rehearsal, "each wave deployed with the outputs the earlier ones recorded")
    assert read["ok"], read["detail"]


@pytest.mark.parametrize("name", [name for name, _ in drives.DRIVES])
def test_each_workflow_runs_on_the_deployed_stacks(rehearsal, name):
    driven = step(rehearsal, name)
    assert driven["ok"], driven["detail"]


def test_a_second_deploy_changes_nothing(rehearsal):
    again = step(rehearsal, "a second deploy changes nothing")
    assert again["ok"], again["detail"]


def test_removal_goes_last_wave_first_and_leaves_no_stack(rehearsal):
    removed = step(rehearsal, "remove every stack, last wave first")
    assert removed["ok"], removed["detail"]
    order = removed["detail"].split("removed ", 1)[1].split(", in this order")[0].split(", ")
    assert order[0] == "orchestrator" and order[-1] == "shared"


def test_every_step_passed_and_the_repositorys_env_json_is_untouched(rehearsal):
    assert [s["name"] for s in rehearsal["steps"] if not s["ok"]] == []
    assert rehearsal["exit"] == 0
    assert rehearsal["env_untouched"]


def test_the_rehearsal_prints_every_gap_with_aws_and_the_emulator_side_by_side(rehearsal):
    log = rehearsal["log"]
    assert f"== where {gaps.EMULATOR} differs from AWS ({len(gaps.GAPS)})" in log
    for gap in gaps.GAPS:
        assert f"- {gap.name} [" in log
        assert gap.aws and gap.emulator and gap.handling.startswith(("adapter:", "not run:"))
    for what, reason in gaps.NOT_DRIVEN:
        assert f"- {what}: {reason}" in log
