"""Workflows only the Kubernetes suite needs."""
import os
import platform
import time

from flytekit import Resources, Secret, current_context, task, workflow


@task(container_image="flytebox.local/no-such-image:v1")
def in_missing_image(x: int) -> int:
    return x


@workflow
def missing_image_wf(x: int = 1) -> int:
    return in_missing_image(x=x)


@task
def where_am_i() -> str:
    """Facts only a pod has: the pod's hostname is its name, its Python is the image's."""
    return f"{platform.node()} {os.environ.get('KUBERNETES_SERVICE_HOST', '-')} {platform.python_version()}"


@workflow
def where_wf() -> str:
    return where_am_i()


@task(retries=0)
def outlives_its_pod(seconds: int) -> int:
    """The first attempt waits to be killed by the test; later ones return their number."""
    attempt = int(os.environ.get("FLYTE_ATTEMPT_NUMBER", "0"))
    if attempt == 0:
        time.sleep(seconds)
    return attempt


@workflow
def killed_pod_wf(seconds: int = 600) -> int:
    return outlives_its_pod(seconds=seconds)


@task(requests=Resources(cpu="100m", mem="32Mi"), limits=Resources(cpu="500m", mem="64Mi"))
def hog(mb: int) -> int:
    """Touches `mb` MiB, over its 64Mi limit: the kernel kills it (OOMKilled)."""
    chunks = [bytearray(os.urandom(1 << 20)) for _ in range(mb)]
    return len(chunks)


@workflow
def oom_wf(mb: int = 400) -> int:
    return hog(mb=mb)


@task
def once(seconds: int, marker: str) -> str:
    """Sleeps, then says which pod it ran in; `marker` makes each run's inputs its own."""
    time.sleep(seconds)
    return f"{platform.node()} {marker}"


@workflow
def restart_wf(seconds: int = 20, marker: str = "-") -> str:
    return once(seconds=seconds, marker=marker)


@task(secret_requests=[
    Secret(group="user-info", key="user_secret", mount_requirement=Secret.MountType.ENV_VAR),
    Secret(group="db-creds", key="password", mount_requirement=Secret.MountType.FILE,
           env_var="DB_PASSWORD_PATH")])
def read_secrets() -> str:
    """Both secrets through flytekit's secrets manager, and the file through its own path."""
    secrets = current_context().secrets
    with open(os.environ["DB_PASSWORD_PATH"]) as f:
        by_path = f.read().strip()
    return " ".join([secrets.get("user-info", "user_secret"), secrets.get("db-creds", "password"),
                     by_path, secrets.get_secrets_file("db-creds", "password")])


@workflow
def secrets_wf() -> str:
    return read_secrets()


@task(secret_requests=[Secret(group="no-such-secret", key="k",
                              mount_requirement=Secret.MountType.ENV_VAR)])
def needs_missing_secret() -> str:
    return current_context().secrets.get("no-such-secret", "k")


@workflow
def missing_secret_wf() -> str:
    return needs_missing_secret()


@task(pod_template_name="flytebox-e2e-template")
def templated() -> str:
    """What the namespace's PodTemplate gave the pod: an environment variable and a volume."""
    with open("/proc/self/mounts") as f:
        mounted = any(line.split()[1] == "/scratch" for line in f)
    return f"{os.environ.get('FROM_TEMPLATE', '-')} {mounted} {os.environ.get('FLYTE_INTERNAL_TASK_NAME', '-')}"


@workflow
def pod_template_wf() -> str:
    return templated()


@task(interruptible=True)
def spot_ok(x: int) -> int:
    return x + 1


@workflow
def interruptible_wf(x: int = 1) -> int:
    return spot_ok(x=x)


@task
def ticker(n: int) -> int:
    """Writes a line a second, so a follower of its log sees the log grow while it runs."""
    for i in range(n):
        print(f"tick {i} of {n}", flush=True)
        time.sleep(1)
    return n


@workflow
def ticker_wf(n: int = 10) -> int:
    return ticker(n=n)


@task(secret_requests=[Secret(group="no-such-file-secret", key="cert",
                              mount_requirement=Secret.MountType.FILE)])
def needs_missing_file_secret() -> str:
    return current_context().secrets.get_secrets_file("no-such-file-secret", "cert")


@workflow
def missing_file_secret_wf() -> str:
    return needs_missing_file_secret()
