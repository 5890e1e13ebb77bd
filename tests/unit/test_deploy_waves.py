"""localcloud.serverless.services.deploy_waves: a service deploys only after the services whose outputs it reads."""
import pytest

from localcloud.serverless import services
from localcloud.serverless.services import Service, deploy_waves


def service(tmp_path, name, *reads):
    folder = tmp_path / name
    folder.mkdir()
    lines = [f"service: {name}"] + [
        f"  {dep}: ${{file(../../env.json):stages.${{sls:stage}}.outputs.{dep}.SomeOutput, 'none'}}" for dep in reads]
    (folder / "serverless.yml").write_text("\n".join(lines) + "\n")
    return Service(name, folder)


def names(waves):
    return [sorted(s.name for s in wave) for wave in waves]


def test_given_the_repo_when_waves_are_planned_then_shared_is_first_and_orchestrator_follows_its_providers():
    found = services.discover()

    waves = names(deploy_waves(found))

    wave_of = {name: i for i, wave in enumerate(waves) for name in wave}
    assert wave_of["shared"] == 0
    assert all(wave_of[s.name] > 0 for s in found if "shared" in s.depends_on)
    assert wave_of["approval"] > 0 and wave_of["third-party-api"] > 0
    assert wave_of["orchestrator"] > wave_of["approval"]
    assert wave_of["orchestrator"] > wave_of["third-party-api"]


def test_given_a_chain_of_dependencies_when_waves_are_planned_then_each_wave_needs_only_earlier_ones(tmp_path):
    svcs = [service(tmp_path, "orchestrator", "approval", "shared"), service(tmp_path, "approval", "shared"),
            service(tmp_path, "shared"), service(tmp_path, "third-party-api", "shared")]

    assert names(deploy_waves(svcs)) == [["shared"], ["approval", "third-party-api"], ["orchestrator"]]


def test_given_a_service_reading_its_own_outputs_when_waves_are_planned_then_that_is_no_dependency(tmp_path):
    svcs = [service(tmp_path, "approval", "approval")]

    assert names(deploy_waves(svcs)) == [["approval"]]


def test_given_services_that_read_each_other_when_waves_are_planned_then_the_cycle_is_named(tmp_path):
    svcs = [service(tmp_path, "shared"), service(tmp_path, "a", "b"), service(tmp_path, "b", "a")]

    with pytest.raises(ValueError, match="cycle: a, b"):
        deploy_waves(svcs)


def test_given_a_dependency_on_an_unknown_service_when_waves_are_planned_then_it_is_named(tmp_path):
    with pytest.raises(ValueError, match="a reads outputs of unknown services: ghost"):
        deploy_waves([service(tmp_path, "a", "ghost")])


def test_a_subset_of_services_brings_every_service_whose_outputs_it_reads(tmp_path):
    found = [service(tmp_path, "shared"), service(tmp_path, "approval", "shared"),
             service(tmp_path, "third-party-api", "shared"), service(tmp_path, "orchestrator", "shared", "approval",
                                                                      "third-party-api"),
             service(tmp_path, "rds-snapshot", "shared")]

    picked = services.with_dependencies(found, ["orchestrator"])

    assert sorted(s.name for s in picked) == ["approval", "orchestrator", "shared", "third-party-api"]
    assert services.with_dependencies(found, []) == found
    with pytest.raises(ValueError, match="no such service: nope"):
        services.with_dependencies(found, ["nope"])
