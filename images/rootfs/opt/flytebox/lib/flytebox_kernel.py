"""The kernel settings the kubelet wants, shown to it without changing the host's kernel.

At start the kubelet reads six kernel settings and writes each that is not at its value
(its container manager fails when a write fails). These settings are not namespaced: in the
container they are the host's, and /proc/sys is read-only. A sandbox must not change how the
host's kernel panics or accounts memory, so each setting that differs is shown at the
kubelet's value to this container's processes alone, by a file bind-mounted over its
/proc/sys entry in the container's mount namespace. The host keeps its values; pods mount a
/proc of their own and see the kernel's.
"""
import os
import subprocess
import sys

# /proc/sys entry -> the kubelet's value (kubelet's setupKernelTunables, v1.37).
KUBELET_WANTS = {
    "vm/overcommit_memory": 1,
    "vm/panic_on_oom": 0,
    "kernel/panic": 10,
    "kernel/panic_on_oops": 1,
    "kernel/keys/root_maxkeys": 1000000,
    "kernel/keys/root_maxbytes": 25000000,
}


def _bind(source, target):
    run = subprocess.run(["mount", "--bind", source, target], capture_output=True, text=True)
    return run.returncode == 0, run.stderr.strip()


def _read(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def show_kubelet_settings(proc_sys="/proc/sys", shadow_dir="/run/flytebox/kernel", bind=_bind):
    """Makes every setting of KUBELET_WANTS read as the kubelet's value here. False (after
    saying why on stderr) when one cannot be read or shown. A setting already shown (the
    kubelet restarted) reads as its value and is left alone."""
    os.makedirs(shadow_dir, mode=0o755, exist_ok=True)
    for name, want in KUBELET_WANTS.items():
        path = f"{proc_sys}/{name}"
        have = _read(path)
        if have is None:
            print(f"flytebox-k8s: cannot read {path}", file=sys.stderr)
            return False
        if have == want:
            continue
        shadow = f"{shadow_dir}/{name.replace('/', '.')}"
        with open(shadow, "w") as f:
            f.write(f"{want}\n")
        os.chmod(shadow, 0o444)
        ok, err = bind(shadow, path)
        if not ok:
            print(f"flytebox-k8s: cannot show the kubelet {name.replace('/', '.')}={want} "
                  f"(the host's is {have}): mount --bind over {path}: {err}", file=sys.stderr)
            return False
        print(f"flytebox-k8s: {name.replace('/', '.')} is {have} on the host; the kubelet is "
              f"shown {want} (the host's setting is not changed)", file=sys.stderr, flush=True)
    return True
