"""The packaging cache shared by every cloud on the machine: an entry another cloud may be reading never goes
half-deleted when a second cloud packages the same inputs."""
from localcloud.serverless.services import _publish


def package(folder, text):
    folder.mkdir()
    (folder / "cloudformation-template-update-stack.json").write_text(text)
    (folder / "service.zip").write_text(text)
    return folder


def test_a_second_package_of_the_same_inputs_leaves_the_first_entry_as_it_is(tmp_path):
    out = package(tmp_path / "abc123", "first")
    staging = package(tmp_path / ".packaging-2", "second")

    _publish(staging, out, replace=False)

    assert (out / "service.zip").read_text() == "first"
    assert not staging.exists()


def test_a_forced_package_replaces_the_entry_whole(tmp_path):
    out = package(tmp_path / "abc123", "first")
    staging = package(tmp_path / ".packaging-2", "second")

    _publish(staging, out, replace=True)

    assert (out / "service.zip").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc123"]


def test_a_new_entry_is_the_staged_package(tmp_path):
    staging = package(tmp_path / ".packaging-1", "only")

    _publish(staging, tmp_path / "abc123", replace=False)

    assert (tmp_path / "abc123" / "service.zip").read_text() == "only"
