"""Workflows only the Kubernetes suite needs."""
import os
import platform

from flytekit import task, workflow


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
