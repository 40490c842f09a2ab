#!/usr/bin/env python3
"""Stores files the image already has once: the unpacked snapshots of the preloaded task
image share most of their files (Debian's libraries, Python, flytekit's dependencies) with
the image's own root, and each such file becomes a hard link to the root's copy.

  plan BASE_TAR OVERLAY PREFIX LINKS
      Each regular file under OVERLAY/PREFIX whose bytes, mode and owner equal those of a
      regular file of BASE_TAR is removed from OVERLAY, and "NAME TARGET MODE UID GID MTIME"
      (tab-separated; NAME and TARGET archive member names, the rest TARGET's) written to
      LINKS. A Python source file (.py) is taken only when
      its modification time is equal too, or when it lies in a virtual environment whose
      bytecode does not check its sources (timestamp-checked bytecode beside it would
      otherwise be compiled again in every container).
  append TARBALL LINKS
      Appends a hard link entry for each line of LINKS to TARBALL (which holds each TARGET
      already, so a container engine's import makes one file of each pair). An entry carries
      its target's mode, owner and time: engines apply a link entry's to the shared file.

scripts/build-image.sh runs `plan` before the overlay is appended to the base root and
`append` after."""
import hashlib
import os
import sys
import tarfile

# Folders whose .py files may take another file's modification time: their bytecode is
# compiled with unchecked hashes (scripts/k8s-images.sh).
UNCHECKED_BYTECODE = ("/opt/venv/",)


def _digest(stream):
    h = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


def _overlay_files(top):
    """{size: [(path, stat)]} of the regular files under top."""
    files = {}
    for folder, _, names in os.walk(top):
        for name in names:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            if os.path.isfile(path) and not os.path.islink(path) and st.st_size > 0:
                files.setdefault(st.st_size, []).append((path, st))
    return files


def _base_files(base_tar, sizes):
    """{(sha256, mode, uid, gid): [(member name, mtime)]} of BASE_TAR's regular files whose
    size is in sizes (the only ones that can match)."""
    found = {}
    with tarfile.open(base_tar) as tar:
        for member in tar:
            if not member.isreg() or member.size not in sizes:
                continue
            digest = _digest(tar.extractfile(member))
            key = (digest, member.mode & 0o7777, member.uid, member.gid)
            found.setdefault(key, []).append((member.name, int(member.mtime)))
    return found


def _may_link(path, mtime, candidates):
    """The (name, mtime) of the base file path may become a link to, or None."""
    if not path.endswith(".py") or any(d in path for d in UNCHECKED_BYTECODE):
        return candidates[0]
    for candidate in candidates:
        if candidate[1] == mtime:
            return candidate
    return None


def plan(base_tar, overlay, prefix, links_path):
    files = _overlay_files(os.path.join(overlay, prefix))
    base = _base_files(base_tar, set(files))
    count = saved = 0
    with open(links_path, "w") as links:
        for size, entries in files.items():
            for path, st in entries:
                with open(path, "rb") as f:
                    key = (_digest(f), st.st_mode & 0o7777, st.st_uid, st.st_gid)
                if key not in base:
                    continue
                chosen = _may_link(path, int(st.st_mtime), base[key])
                if chosen is None:
                    continue
                target, mtime = chosen
                name = "./" + os.path.relpath(path, overlay)
                if any(c in name + target for c in "\t\n"):
                    continue
                links.write(f"{name}\t{target}\t{key[1]:o}\t{key[2]}\t{key[3]}\t{mtime}\n")
                os.unlink(path)
                count += 1
                saved += size
    print(f"{count} files ({saved // 1000000} MB) become links to the image's own copies")


def append(tarball, links_path):
    with open(links_path) as f:
        pairs = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    with tarfile.open(tarball, "a", format=tarfile.GNU_FORMAT) as tar:
        for name, target, mode, uid, gid, mtime in pairs:
            entry = tarfile.TarInfo(name)
            entry.type = tarfile.LNKTYPE
            entry.linkname = target
            entry.mode, entry.uid, entry.gid = int(mode, 8), int(uid), int(gid)
            entry.mtime = int(mtime)
            tar.addfile(entry)


def main(argv):
    if len(argv) == 6 and argv[1] == "plan":
        plan(*argv[2:])
        return 0
    if len(argv) == 4 and argv[1] == "append":
        append(*argv[2:])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
