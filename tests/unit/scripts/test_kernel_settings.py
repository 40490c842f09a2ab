"""The kernel settings the image's kubelet wants (flytebox_kernel.py): shown to it by files
mounted over /proc/sys entries, the host's left as they are. Against a folder standing in
for /proc/sys; the last test mounts for real, in a mount namespace of its own."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LIB = os.path.join(ROOT, "images", "rootfs", "opt", "flytebox", "lib")
sys.path.insert(0, LIB)
import flytebox_kernel  # noqa: E402

# A fresh Debian 12 host: three settings differ from the kubelet's.
DEBIAN = {"vm/overcommit_memory": 0, "vm/panic_on_oom": 0, "kernel/panic": 0,
          "kernel/panic_on_oops": 0, "kernel/keys/root_maxkeys": 1000000,
          "kernel/keys/root_maxbytes": 25000000}


def proc_sys(tmp_path, values):
    root = tmp_path / "sys"
    for name, value in values.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"{value}\n")
    return root


class Binds:
    """Stands in for mount --bind: the target reads as the source from then on."""

    def __init__(self, fail=None):
        self.calls, self.fail = [], fail

    def __call__(self, source, target):
        self.calls.append(os.path.basename(source))
        if self.fail:
            return False, self.fail
        with open(source) as src, open(target, "w") as dst:
            dst.write(src.read())
        return True, ""


def read(root, name):
    return int((root / name).read_text())


def test_only_the_settings_that_differ_are_shown_at_the_kubelets_values(tmp_path, capsys):
    root, binds = proc_sys(tmp_path, DEBIAN), Binds()
    assert flytebox_kernel.show_kubelet_settings(str(root), str(tmp_path / "shadow"), binds)
    assert sorted(binds.calls) == ["kernel.panic", "kernel.panic_on_oops", "vm.overcommit_memory"]
    for name, want in flytebox_kernel.KUBELET_WANTS.items():
        assert read(root, name) == want
    shadow = tmp_path / "shadow" / "kernel.panic"
    assert shadow.read_text() == "10\n" and (shadow.stat().st_mode & 0o777) == 0o444
    err = capsys.readouterr().err
    assert "vm.overcommit_memory is 0 on the host; the kubelet is shown 1" in err
    assert "kernel.keys" not in err


def test_a_restarted_kubelet_finds_them_shown_and_nothing_is_mounted_again(tmp_path):
    root = proc_sys(tmp_path, DEBIAN)
    assert flytebox_kernel.show_kubelet_settings(str(root), str(tmp_path / "s"), Binds())
    again = Binds()
    assert flytebox_kernel.show_kubelet_settings(str(root), str(tmp_path / "s"), again)
    assert again.calls == []


def test_a_mount_that_fails_stops_the_kubelets_start_saying_which_and_why(tmp_path, capsys):
    root = proc_sys(tmp_path, DEBIAN)
    binds = Binds(fail="mount: permission denied")
    assert not flytebox_kernel.show_kubelet_settings(str(root), str(tmp_path / "s"), binds)
    assert len(binds.calls) == 1
    err = capsys.readouterr().err
    assert "cannot show the kubelet" in err and "(the host's is 0)" in err
    assert "mount: permission denied" in err


def test_a_setting_that_cannot_be_read_stops_the_start(tmp_path, capsys):
    values = dict(DEBIAN)
    del values["kernel/panic"]
    root = proc_sys(tmp_path, values)
    assert not flytebox_kernel.show_kubelet_settings(str(root), str(tmp_path / "s"), Binds())
    assert f"cannot read {root}/kernel/panic" in capsys.readouterr().err


def test_a_real_bind_mount_shows_the_value_and_leaves_the_file_beneath(tmp_path):
    """In a private mount namespace (root, as the image's kubelet runs): the entry reads as the
    kubelet's value while the mount lasts; the file under it keeps the host's."""
    root = proc_sys(tmp_path, DEBIAN)
    script = (f"import sys; sys.path.insert(0, {LIB!r}); import flytebox_kernel as k; "
              f"ok = k.show_kubelet_settings({str(root)!r}, {str(tmp_path / 's')!r}); "
              f"print(ok, open({str(root / 'vm/overcommit_memory')!r}).read().strip())")
    run = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable,
                          "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "1"]
    assert read(root, "vm/overcommit_memory") == 0  # outside that namespace: the host's value
