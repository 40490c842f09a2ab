"""Issue 11, item 4 with S3 (`flytebox demo start --s3`, native, the real CLI, supervisor,
engine, versitygw and flytekit): tasks get the tasks' own S3 account, never the store's root
keys, and that account reaches the sandbox's bucket only: a real flytekit task trying with its
keys to create, list or read other buckets, change its bucket or call versitygw's admin API is
refused, while its own outputs (and the workflows' data) go through. Also on a restart, and on
a state folder made before the tasks' account existed."""
import datetime
import json
import pathlib
import stat
import uuid

import pytest

from conftest import REPO, free_port
from s3_probe import admin_call
from test_sandbox_native import VENV, Sandbox, processes_using

HERE = pathlib.Path(__file__).resolve().parent
PROJECT, DOMAIN = "flytesnacks", "development"


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = Sandbox(tmp_path_factory.mktemp("s3iam"))
    sandbox.s3_port = free_port()
    try:
        sandbox.start("--s3", "--s3-port", str(sandbox.s3_port))
        yield sandbox
    finally:
        sandbox.run("demo", "teardown", "--volume")
        assert not processes_using(sandbox.state)


def credentials(box) -> dict:
    return json.loads((box.state / "credentials.json").read_text())


def endpoint(box) -> str:
    return f"http://localhost:{box.s3_port}"


def root_client(box):
    import botocore.session
    from botocore.config import Config

    c = credentials(box)
    return botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint(box), aws_access_key_id=c["s3_access_key"],
        aws_secret_access_key=c["s3_secret_key"], region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}))


def run_workflow(box, script: str, workflow: str, *inputs, cwd=HERE) -> str:
    """Runs a workflow with the real `pyflyte run --remote` and returns its output o0."""
    import subprocess

    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    name = "s3iam" + uuid.uuid4().hex[:10]
    env = dict(box.env, FLYTECTL_CONFIG=str(box.flyte_config))
    run = subprocess.run([str(VENV / "bin" / "pyflyte"), "run", "--remote", "--wait", "--name",
                          name, script, workflow, *inputs], cwd=str(cwd), env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "has succeeded" in run.stdout, \
        f"{run.stdout}\n{run.stderr}\n{box.logs()}"
    remote = FlyteRemote(Config.auto(str(box.flyte_config)), default_project=PROJECT,
                         default_domain=DOMAIN)
    execution = remote.fetch_execution(name=name)
    data = remote.client.get_execution_data(execution.id)
    return data.full_outputs.literals["o0"].scalar.primitive.string_value


def test_the_tasks_account_is_kept_owner_only_in_the_state_folder(box):
    c = credentials(box)
    assert c["s3_task_access_key"] and c["s3_task_secret_key"]
    assert c["s3_task_access_key"] != c["s3_access_key"]
    users = box.state / "s3-iam" / "users.json"
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert stat.S_IMODE(users.parent.stat().st_mode) == 0o700
    accounts = json.loads(users.read_text())["accessAccounts"]
    assert list(accounts) == [c["s3_task_access_key"]]
    assert accounts[c["s3_task_access_key"]]["role"] == "user"
    assert c["s3_access_key"] not in users.read_text()


def test_a_flytekit_task_sees_the_tasks_keys_and_no_root_key(box):
    report = json.loads(run_workflow(box, "env_report.py", "report_wf"))
    c = credentials(box)
    environ = report["environ"]
    assert environ["FLYTE_AWS_ACCESS_KEY_ID"] == c["s3_task_access_key"]
    assert environ["FLYTE_AWS_SECRET_ACCESS_KEY"] == c["s3_task_secret_key"]
    assert environ["FLYTE_AWS_ENDPOINT"].endswith(f":{box.s3_port}")
    for where, text in [("os.environ", json.dumps(environ)),
                        ("/proc/self/environ", "\n".join(report["initial"]))]:
        for secret in (c["s3_access_key"], c["s3_secret_key"]):
            assert secret not in text, f"a root S3 key in the task's {where}"


def test_the_tasks_keys_reach_only_the_sandboxs_bucket(box):
    root = root_client(box)
    other = "other-" + uuid.uuid4().hex[:8]
    root.create_bucket(Bucket=other)
    root.put_object(Bucket=other, Key="secret", Body=b"not for tasks")
    c = credentials(box)
    # The admin call the task tries is the right one: the root account's succeeds.
    assert admin_call(endpoint(box), c["s3_access_key"], c["s3_secret_key"],
                      "/list-users") == "200 ok"

    result = json.loads(run_workflow(box, "s3_probe.py", "probe_wf", "--other_bucket", other))
    refused = ["create_bucket", "get_other", "list_other", "put_other", "copy_from_other",
               "delete_other", "delete_own_bucket", "put_own_policy"]
    for attempt in refused:
        assert result[attempt] == {"error": "AccessDenied"}, (attempt, result)
    # versitygw answers ListBuckets to a "user" account with the buckets it owns: none.
    assert result["list_buckets"] == {"ok": []}, result
    assert result["admin_list_users"] == "403 XAdminAccessDenied", result
    assert result["admin_create_user"] == "403 XAdminAccessDenied", result
    assert result["put_own"] == {"ok": None} and result["get_own"] == {"ok": "mine"}, result
    assert result["delete_own"] == {"ok": None}, result

    # Nothing changed: no new bucket, the other bucket and its object intact, the sandbox's
    # bucket still there.
    buckets = {b["Name"] for b in root.list_buckets()["Buckets"]}
    assert buckets == {"my-s3-bucket", other}, buckets
    assert [o["Key"] for o in root.list_objects_v2(Bucket=other)["Contents"]] == ["secret"]
    assert root.get_object(Bucket=other, Key="secret")["Body"].read() == b"not for tasks"


def test_a_restart_keeps_the_account_and_an_old_state_folder_gets_one(box):
    users = box.state / "s3-iam" / "users.json"
    before = users.stat().st_mtime_ns
    assert box.run("demo", "stop").returncode == 0
    box.start("--s3", "--s3-port", str(box.s3_port))
    assert users.stat().st_mtime_ns == before, "users.json rewritten on a plain restart"
    assert run_workflow(box, "examples/hello_world.py", "hello_wf", "--name", "again",
                        cwd=REPO) == "Hello, again!"

    # A state folder from before the tasks' account: no task keys, no accounts, the bucket
    # without a policy. The start adds the account and the grant, and tasks work.
    old_key = credentials(box)["s3_task_access_key"]
    root_client(box).delete_bucket_policy(Bucket="my-s3-bucket")
    assert box.run("demo", "stop").returncode == 0
    c = credentials(box)
    del c["s3_task_access_key"], c["s3_task_secret_key"]
    (box.state / "credentials.json").write_text(json.dumps(c))
    users.unlink()
    users.parent.rmdir()
    box.start("--s3", "--s3-port", str(box.s3_port))
    upgraded = credentials(box)
    assert upgraded["s3_task_access_key"] not in ("", old_key)
    assert upgraded["s3_access_key"] == c["s3_access_key"]
    assert upgraded["db_password"] == c["db_password"]
    assert stat.S_IMODE((box.state / "credentials.json").stat().st_mode) == 0o600
    assert upgraded["s3_task_access_key"] in users.read_text()
    report = json.loads(run_workflow(box, "env_report.py", "report_wf"))
    assert report["environ"]["FLYTE_AWS_ACCESS_KEY_ID"] == upgraded["s3_task_access_key"]
    assert "granted the tasks' account" in (box.state / "logs" / "engine.log").read_text()
