"""The default task image's pyflyte-fast-execute (images/task/pyflyte_fast_execute.py) moving a
task's inputs and outputs with the copilot's S3 client, against a real versitygw, with the
pinned flytekit: what it fetches, what it leaves to flytekit, and where outputs land. Whole
tasks run through it as pods in e2e.kube."""
import importlib
import pathlib
import shutil
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import conftest as e2e  # noqa: E402  (the shared versitygw helper)

BUCKET = "bkt"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    gw = e2e.Versitygw(tmp_path_factory.mktemp("fast-execute"), buckets=[BUCKET])
    yield gw
    gw.stop()


@pytest.fixture
def fast_execute(s3, tmp_path, monkeypatch):
    """The script as the image has it: flytebox_copilot importable beside it."""
    lib = tmp_path / "bin"
    lib.mkdir()
    shutil.copy(e2e.REPO / "embedded" / "executor" / "copilot.py", lib / "flytebox_copilot.py")
    shutil.copy(e2e.REPO / "images" / "task" / "pyflyte_fast_execute.py", lib / "pfe.py")
    monkeypatch.syspath_prepend(str(lib))
    for name, value in s3.flytekit_env().items():
        monkeypatch.setenv(name, value)
    for name in ("pfe", "flytebox_copilot"):
        sys.modules.pop(name, None)
    module = importlib.import_module("pfe")
    assert module.flytebox_copilot is not None
    return module


def put(s3, key, data):
    path = s3.data / BUCKET / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def command(inputs, prefix):
    return ["--inputs", inputs, "--output-prefix", prefix, "--raw-output-data-prefix",
            f"s3://{BUCKET}/raw", "--resolver", "r", "--", "task-module", "m"]


def test_an_object_is_fetched_as_a_file_named_as_its_key_ends(s3, fast_execute, tmp_path):
    put(s3, "code/fast123.tar.gz", b"code")
    got = fast_execute._fetch(f"s3://{BUCKET}/code/fast123.tar.gz", str(tmp_path))
    assert got == str(tmp_path / "fast123.tar.gz")
    assert pathlib.Path(got).read_bytes() == b"code"


def test_what_cannot_be_fetched_is_left_to_flytekit(s3, fast_execute, tmp_path, capfd):
    assert fast_execute._fetch(f"s3://{BUCKET}/code/missing.tar.gz", str(tmp_path)) is None
    err = capfd.readouterr().err
    assert "404" in err and f"flytekit reads s3://{BUCKET}/code/missing.tar.gz itself" in err
    assert fast_execute._fetch("gs://elsewhere/x.tar.gz", str(tmp_path)) is None


def test_the_task_reads_local_inputs_and_its_outputs_reach_the_output_prefix(
        s3, fast_execute, tmp_path):
    put(s3, "meta/n0/data/inputs.pb", b"inputs")
    args = command(f"s3://{BUCKET}/meta/n0/data/inputs.pb", f"s3://{BUCKET}/meta/n0/data/0")
    local, upload = fast_execute._local_io(args, str(tmp_path))
    inputs = pathlib.Path(local[local.index("--inputs") + 1])
    outputs = pathlib.Path(local[local.index("--output-prefix") + 1])
    assert inputs.read_bytes() == b"inputs" and outputs.is_dir()
    assert local[local.index("--raw-output-data-prefix") + 1] == f"s3://{BUCKET}/raw"
    # as a map element writes them: under its index; and an error file
    (outputs / "3").mkdir()
    (outputs / "3" / "outputs.pb").write_bytes(b"out")
    (outputs / "error.pb").write_bytes(b"err")
    upload()
    written = s3.data / BUCKET / "meta" / "n0" / "data" / "0"
    assert (written / "3" / "outputs.pb").read_bytes() == b"out"
    assert (written / "error.pb").read_bytes() == b"err"


def test_without_inputs_in_the_store_or_an_s3_output_prefix_flytekit_moves_everything(
        s3, fast_execute, tmp_path):
    missing = command(f"s3://{BUCKET}/meta/none/inputs.pb", f"s3://{BUCKET}/meta/none/0")
    assert fast_execute._local_io(missing, str(tmp_path)) == (missing, None)
    put(s3, "meta/n1/inputs.pb", b"inputs")
    local_prefix = command(f"s3://{BUCKET}/meta/n1/inputs.pb", str(tmp_path / "out"))
    assert fast_execute._local_io(local_prefix, str(tmp_path)) == (local_prefix, None)
    assert fast_execute._local_io(["--resolver", "r"], str(tmp_path)) == (["--resolver", "r"], None)
