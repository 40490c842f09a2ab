"""The raw-container copilot (embedded/executor/copilot.py) on the host against a real
versitygw, run as pods run it (python3 -c) but with no site-packages (-I -S): the standard
library alone must do. Inputs are files in versitygw's folder (its posix backend serves
them), outputs are read back from it: the store's own view, not the copilot's."""
import os
import pathlib
import signal
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import conftest as e2e  # noqa: E402  (the shared versitygw helper)

SCRIPT = (e2e.REPO / "embedded" / "executor" / "copilot.py").read_text()
BUCKET = "bkt"
ODD = "dir with space/é ü+&=%~ (1).txt"  # percent-encoded in the path the signature covers


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    gw = e2e.Versitygw(tmp_path_factory.mktemp("copilot"), buckets=[BUCKET])
    yield gw
    gw.stop()


def copilot(s3, *args, env=None, **kwargs):
    env = {**os.environ, **s3.flytekit_env(), **(env or {})}
    return subprocess.Popen([sys.executable, "-I", "-S", "-c", SCRIPT, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def run(s3, *args, env=None):
    proc = copilot(s3, *args, env=env)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def stage(s3, name, files):
    """Writes `files` (path: bytes) as the objects STAGING/inputs/PATH; STAGING's URI."""
    for rel, data in files.items():
        path = s3.data / BUCKET / name / "inputs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return f"s3://{BUCKET}/{name}"


def test_download_pages_through_the_listing_and_keeps_folders_and_names(s3, tmp_path,
                                                                       monkeypatch):
    files = {f"d{i % 3}/sub{i % 7}/f{i}": str(i).encode() for i in range(1234)}  # > 1 page
    files[ODD] = b"odd"
    files["big.bin"] = os.urandom(9 << 20)  # streamed to the file
    files["empty"] = b""
    staging = stage(s3, "many", files)
    dest = tmp_path / "inputs"
    dest.mkdir()
    code, out, err = run(s3, "download", staging, str(dest))
    assert code == 0, err
    assert out == f"copilot: {len(files)} input files in {dest}\n"
    got = {str(p.relative_to(dest)): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert got.keys() == files.keys()
    assert got == files
    # What makes the test: versitygw pages a listing at 1000 keys, so these needed a second.
    monkeypatch.syspath_prepend(str(e2e.REPO / "embedded" / "executor"))
    for name, value in s3.flytekit_env().items():
        monkeypatch.setenv(name, value)
    import copilot as module
    page = module.Bucket(staging).request("GET", None, [("list-type", "2"), ("prefix", "many/")],
                                          on_ok=lambda r: module.xml_fields(r.read()))
    assert page["IsTruncated"] == ["true"] and len(page["Key"]) == 1000


def test_upload_waits_for_sigterm_then_puts_the_files_and_the_marker(s3, tmp_path):
    src = tmp_path / "outputs"
    src.mkdir()
    proc = copilot(s3, "upload", str(src), f"s3://{BUCKET}/up")
    assert proc.stdout.readline() == f"copilot: waiting for the task to end to upload {src}\n"
    # The task writes its outputs while the sidecar waits: nothing is uploaded before SIGTERM.
    big = os.urandom(7 << 20)
    (src / "big").write_bytes(big)
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "nested" / "deeper" / "n").write_text("49")
    (src / "dir with space").mkdir()
    (src / ODD).write_text("odd")
    (src / "empty").write_bytes(b"")
    assert not (s3.data / BUCKET / "up").exists()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out == "copilot: 4 output files uploaded\n"
    stored = s3.data / BUCKET / "up"
    assert (stored / "outputs" / "big").read_bytes() == big
    assert (stored / "outputs" / "nested" / "deeper" / "n").read_text() == "49"
    assert (stored / "outputs" / ODD).read_text() == "odd"
    assert (stored / "outputs" / "empty").read_bytes() == b""
    assert (stored / "_done").read_text() == "4"


def test_a_symbolic_link_among_the_outputs_is_the_tasks_error(s3, tmp_path):
    src = tmp_path / "outputs"
    src.mkdir()
    (src / "y").write_text("1")
    (src / "secret").symlink_to("/etc/hostname")
    proc = copilot(s3, "upload", str(src), f"s3://{BUCKET}/links")
    proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    stored = s3.data / BUCKET / "links"
    assert "symbolic links (secret)" in (stored / "outputs" / "_ERROR").read_text()
    assert sorted(p.name for p in (stored / "outputs").iterdir()) == ["_ERROR"]
    assert (stored / "_done").read_text() == "1"


@pytest.mark.parametrize("env, needles", [
    ({"FLYTE_AWS_SECRET_ACCESS_KEY": "wrong"}, ["s3://bkt/signed/inputs/", "HTTP 403",
                                                "SignatureDoesNotMatch"]),
    ({}, ["s3://nobucket/x/inputs/", "HTTP 404", "NoSuchBucket"]),
    ({"FLYTE_AWS_ENDPOINT": f"http://127.0.0.1:{e2e.free_port()}"}, ["s3://bkt/signed/inputs/",
                                                                    "ConnectionRefused"]),
])
def test_a_failed_request_exits_naming_the_object_and_the_status(s3, tmp_path, env, needles):
    missing = "nobucket" in needles[0]
    staging = "s3://nobucket/x" if missing else stage(s3, "signed", {"a": b"1"})
    code, out, err = run(s3, "download", staging, str(tmp_path), env=env)
    assert code == 1 and out == "", (out, err)
    assert err.startswith("copilot: ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


def test_a_failed_upload_exits_naming_the_object_and_the_status(s3, tmp_path):
    (tmp_path / "y").write_text("1")
    proc = copilot(s3, "upload", str(tmp_path), "s3://nobucket/x")
    proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert err.startswith("copilot: PUT s3://nobucket/x/outputs/y: HTTP 404"), err
    assert "Traceback" not in err, err


def test_a_staging_uri_not_in_s3_is_refused(s3, tmp_path):
    code, _, err = run(s3, "download", str(tmp_path), str(tmp_path))
    assert code == 1 and "is not in an S3 bucket" in err, err
