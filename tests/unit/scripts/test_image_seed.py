"""What a new or older volume gets at the start of `demo start --kubernetes`: the containerd
seed of the image, its snapshots stored once (scripts/image-links.py) and a volume's
containerd root made from it (flytebox_k8s.seed_containerd), and the cluster's client
certificates (flytebox_k8s.make_pki); on real files with the real tar, zstd and openssl."""
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LINKS = os.path.join(ROOT, "scripts", "image-links.py")
sys.path.insert(0, os.path.join(ROOT, "images", "rootfs", "opt", "flytebox", "lib"))
import flytebox_k8s  # noqa: E402

SEED_TREE = "opt/flytebox/k8s/seed-k"


def write(path, data, mode=0o644, mtime=1_000_000):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    os.utime(path, (mtime, mtime))


def pack(src, out):
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(os.listdir(src)):
            tar.add(os.path.join(src, name), arcname="./" + name)


@pytest.fixture
def image(tmp_path):
    """A base root and an overlay whose seed snapshot repeats some of the base's files."""
    base, overlay = tmp_path / "base", tmp_path / "overlay"
    snap = overlay / SEED_TREE / "1"
    for root, mtime in ((base, 1_000_000), (snap, 2_000_000)):
        write(root / "usr/lib/libx.so", b"library" * 100, mtime=mtime)
        write(root / "opt/venv/lib/site/mod.py", b"print('venv')\n", mtime=mtime)
        write(root / "usr/lib/python3.11/os.py", b"# stdlib\n", mtime=mtime)
    write(base / "usr/bin/tool", b"#!/bin/sh\n", mode=0o755)
    write(base / "usr/bin/run", b"#!/bin/true\n", mode=0o755)
    write(snap / "usr/bin/run", b"#!/bin/true\n", mode=0o755, mtime=2_000_000)
    write(snap / "usr/bin/tool", b"#!/bin/sh\n", mode=0o644)
    write(snap / "etc/only-here", b"task image's own\n")
    write(base / "usr/lib/python3.12/same.py", b"# same\n")
    write(snap / "usr/lib/python3.12/same.py", b"# same\n")
    pack(base, tmp_path / "base.tar")
    return tmp_path


def plan(image):
    out = subprocess.run([sys.executable, LINKS, "plan", str(image / "base.tar"),
                          str(image / "overlay"), "./" + SEED_TREE, str(image / "links")],
                         capture_output=True, text=True, check=True).stdout
    with open(image / "links") as f:
        return out, {n: t for n, t, *_ in (line.rstrip("\n").split("\t") for line in f)}


def test_the_seed_keeps_only_files_the_base_lacks_or_that_differ(image):
    out, links = plan(image)
    snap = "./" + SEED_TREE + "/1"
    assert links == {
        f"{snap}/usr/lib/libx.so": "./usr/lib/libx.so",
        # bytecode without source checks: its modification time does not matter
        f"{snap}/opt/venv/lib/site/mod.py": "./opt/venv/lib/site/mod.py",
        f"{snap}/usr/lib/python3.12/same.py": "./usr/lib/python3.12/same.py",
        f"{snap}/usr/bin/run": "./usr/bin/run",
    }
    assert "4 files" in out
    left = image / "overlay" / SEED_TREE / "1"
    assert not (left / "usr/lib/libx.so").exists()
    # another mode, another modification time beside checked bytecode, no twin: kept
    assert (left / "usr/bin/tool").read_bytes() == b"#!/bin/sh\n"
    assert (left / "usr/lib/python3.11/os.py").exists()
    assert (left / "etc/only-here").exists()


def test_the_image_unpacks_each_pair_as_one_file(image):
    plan(image)
    tarball = image / "image.tar"
    shutil.copy(image / "base.tar", tarball)
    with tarfile.open(tarball, "a", format=tarfile.GNU_FORMAT) as tar:
        tar.add(image / "overlay" / "opt", arcname="./opt")
    subprocess.run([sys.executable, LINKS, "append", str(tarball), str(image / "links")], check=True)
    # Container engines apply a link entry's mode, owner and time to the shared file (GNU
    # tar does not): each must be its target's.
    with tarfile.open(tarball) as tar:
        members = {m.name: m for m in tar}
    linked = [m for m in members.values() if m.islnk()]
    assert len(linked) == 4
    for m in linked:
        t = members[m.linkname]
        assert (m.mode, m.uid, m.gid, m.mtime) == (t.mode, t.uid, t.gid, t.mtime), m.name
    out = image / "unpacked"
    out.mkdir()
    subprocess.run(["tar", "-xf", str(tarball), "-C", str(out)], check=True)
    seed = out / SEED_TREE / "1"
    for rel in ("usr/lib/libx.so", "opt/venv/lib/site/mod.py", "usr/bin/run"):
        assert os.stat(seed / rel).st_ino == os.stat(out / rel).st_ino
        assert (seed / rel).read_bytes() == (out / rel).read_bytes()
    # the link entry's mode and time are the shared file's, whichever entry the unpacking applies
    assert os.stat(out / "usr/bin/run").st_mode & 0o777 == 0o755
    assert os.stat(out / "usr/bin/run").st_mtime == 1_000_000
    assert os.stat(seed / "usr/bin/tool").st_ino != os.stat(out / "usr/bin/tool").st_ino
    assert (seed / "etc/only-here").read_bytes() == b"task image's own\n"


@pytest.fixture
def seed(tmp_path, monkeypatch):
    """A seed like the image's: a database and a snapshot whose fs links to the image."""
    image_snap = tmp_path / "image" / "seed-k" / "1"
    write(image_snap / "bin/sh", b"shell")
    src = tmp_path / "seed-src"
    snaps = src / "io.containerd.snapshotter.v1.overlayfs" / "snapshots" / "1"
    write(src / "io.containerd.metadata.v1.bolt" / "meta.db", b"db")
    snaps.mkdir(parents=True)
    os.symlink(image_snap, snaps / "fs")
    archive = tmp_path / "containerd-seed.tar.zst"
    subprocess.run(["tar", "-I", "zstd", "-cf", str(archive), "-C", str(src), "."], check=True)
    k8s = tmp_path / "volume" / "k8s"
    k8s.mkdir(parents=True)
    monkeypatch.setattr(flytebox_k8s, "K8S", str(k8s))
    monkeypatch.setattr(flytebox_k8s, "SEED", str(archive))
    return k8s / "containerd", image_snap


def test_a_new_volume_gets_the_seed_with_its_links(seed):
    root, image_snap = seed
    assert flytebox_k8s.seed_containerd()
    fs = root / "io.containerd.snapshotter.v1.overlayfs" / "snapshots" / "1" / "fs"
    assert os.readlink(fs) == str(image_snap)
    assert (fs / "bin/sh").read_bytes() == b"shell"
    assert (root / "io.containerd.metadata.v1.bolt" / "meta.db").read_bytes() == b"db"


def test_a_volume_seeded_by_this_image_is_kept(seed):
    root, _ = seed
    assert flytebox_k8s.seed_containerd()
    write(root / "loaded-since", b"an image the user loaded")
    assert flytebox_k8s.seed_containerd()
    assert (root / "loaded-since").exists()


def test_a_volume_seeded_by_another_image_is_seeded_again(seed, capfd):
    root, image_snap = seed
    assert flytebox_k8s.seed_containerd()
    fs = root / "io.containerd.snapshotter.v1.overlayfs" / "snapshots" / "1" / "fs"
    os.unlink(fs)
    os.symlink(str(image_snap) + "-of-another-image", fs)
    write(root / "loaded-since", b"an image the user loaded")
    assert flytebox_k8s.seed_containerd()
    assert os.readlink(fs) == str(image_snap)
    assert not (root / "loaded-since").exists()
    assert "made by another image's seed" in capfd.readouterr().err


def subject(crt):
    return subprocess.run(["openssl", "x509", "-in", str(crt), "-noout", "-subject", "-nameopt",
                           "compat"], capture_output=True, text=True, check=True).stdout.strip()


def test_client_certificates_follow_their_subjects(tmp_path, monkeypatch):
    pki = tmp_path / "pki"
    monkeypatch.setattr(flytebox_k8s, "PKI", str(pki))
    flytebox_k8s.make_pki("10.0.0.2", "localhost")
    cm = pki / "controller-manager.crt"
    assert subject(cm) == "subject=/O=system:masters/CN=system:kube-controller-manager"
    kubelet = (pki / "kubelet.crt").read_bytes()
    # A volume made before the controller-manager had the cluster's authority: no marks, the
    # old subject. Its certificate is made again, the others are kept.
    for mark in pki.glob("*.subject"):
        mark.unlink()
    flytebox_k8s._cert("controller-manager", "/CN=system:kube-controller-manager")
    flytebox_k8s.make_pki("10.0.0.2", "localhost")
    assert subject(cm) == "subject=/O=system:masters/CN=system:kube-controller-manager"
    assert (pki / "kubelet.crt").read_bytes() == kubelet
    before = cm.read_bytes()
    flytebox_k8s.make_pki("10.0.0.2", "localhost")
    assert cm.read_bytes() == before
