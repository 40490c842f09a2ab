"""Tasks with their own pod spec (flytekit's PodTemplate): a sidecar that shares a volume with
the task's container, the spec's environment and labels; one also on the namespace's named
PodTemplate."""
import os
import time

from flytekit import PodTemplate, task, workflow
from flytekit.configuration import DefaultImages
from kubernetes.client import V1Container, V1EnvVar, V1PodSpec, V1Volume, V1VolumeMount

SHARED = "/shared"


def pod_template() -> PodTemplate:
    """The task's container ("main") mounts a volume a sidecar writes into; the sidecar runs
    in the default task image too (the only image the test cluster has)."""
    mount = V1VolumeMount(name="shared", mount_path=SHARED)
    return PodTemplate(
        primary_container_name="main",
        labels={"flytebox-e2e": "pod-spec"},
        annotations={"flytebox.io/from-pod-spec": "yes"},
        pod_spec=V1PodSpec(
            containers=[
                V1Container(name="main", env=[V1EnvVar(name="FROM_POD_SPEC", value="spec-env")],
                            volume_mounts=[mount]),
                V1Container(name="helper", image=DefaultImages.default_image(),
                            command=["sh", "-c", f"echo from-the-sidecar > {SHARED}/note"],
                            volume_mounts=[mount]),
            ],
            volumes=[V1Volume(name="shared", empty_dir={})],
        ),
    )


def read_note() -> str:
    deadline = time.monotonic() + 60
    while not os.path.exists(f"{SHARED}/note"):
        assert time.monotonic() < deadline, "the sidecar wrote no note"
        time.sleep(0.2)
    with open(f"{SHARED}/note") as f:
        return f.read().strip()


@task(pod_template=pod_template())
def with_sidecar(x: int) -> str:
    return f"{read_note()} {os.environ.get('FROM_POD_SPEC', '-')} {x + 1}"


@task(pod_template=pod_template(), pod_template_name="flytebox-e2e-template")
def with_sidecar_on_named_template(x: int) -> str:
    mounted = any(line.split()[1] == "/scratch" for line in open("/proc/self/mounts"))
    return (f"{read_note()} {os.environ.get('FROM_POD_SPEC', '-')} "
            f"{os.environ.get('FROM_TEMPLATE', '-')} {mounted} {x * 2}")


@workflow
def pod_spec_wf(x: int = 1) -> str:
    return with_sidecar(x=x)


@workflow
def pod_spec_named_wf(x: int = 1) -> str:
    return with_sidecar_on_named_template(x=x)
