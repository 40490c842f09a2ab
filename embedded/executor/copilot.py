"""Flytebox's copilot: moves a raw-container task's files between the object store and its pod.

Run inline (python3 -c) in the default flytekit task image, or any image with python3, fsspec
and s3fs, so that no file of it needs to be in an image or the cluster.
  download STAGING DIR  (init container) STAGING/inputs/* into DIR, before the task starts
  upload DIR STAGING    (sidecar) waits for SIGTERM, sent once the task's container has ended;
                        then DIR into STAGING/outputs/ and, last, the marker STAGING/_done
The object store's endpoint and credentials come from FLYTE_AWS_* as the task's own do.
A symbolic link among the outputs is not followed: the task's error (_ERROR) says so.
"""
import os
import signal
import sys


def store(uri):
    import fsspec

    protocol = uri.split("://", 1)[0] if "://" in uri else "file"
    options = {}
    if protocol == "s3":
        env = os.environ.get
        options = {"key": env("FLYTE_AWS_ACCESS_KEY_ID"), "secret": env("FLYTE_AWS_SECRET_ACCESS_KEY"),
                   "client_kwargs": {"endpoint_url": env("FLYTE_AWS_ENDPOINT")} if env("FLYTE_AWS_ENDPOINT") else {}}
    fs = fsspec.filesystem(protocol, **options)
    return fs, fs._strip_protocol(uri).rstrip("/")


def download(staging, dest):
    fs, base = store(staging)
    base += "/inputs"
    count = 0
    for path in fs.find(base):
        rel = path[len(base) + 1:]
        if not rel or rel.startswith("/") or ".." in rel.split("/"):
            sys.exit(f"copilot: refusing input path {path!r}")
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fs.get_file(path, target)
        count += 1
    print(f"copilot: {count} input files in {dest}", flush=True)


def upload(src, staging):
    # SIGTERM held until asked for: a task that ends while the store's modules load is not missed.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    fs, base = store(staging)
    print(f"copilot: waiting for the task to end to upload {src}", flush=True)
    signal.sigwait({signal.SIGTERM})
    files, links = [], []
    for root, dirs, names in os.walk(src):
        for name in dirs + names:
            path = os.path.join(root, name)
            if os.path.islink(path):
                links.append(os.path.relpath(path, src))
            elif name in names:
                files.append(path)
    if links:  # the engine refuses them too; never read what a link points at
        fs.pipe_file(base + "/outputs/_ERROR", (
            f"the output folder holds symbolic links ({', '.join(sorted(links))}); "
            "write the files themselves").encode())
    else:
        for path in files:
            fs.put_file(path, base + "/outputs/" + os.path.relpath(path, src))
    fs.pipe_file(base + "/_done", str(len(files)).encode())
    print(f"copilot: {len(files)} output files uploaded", flush=True)


if __name__ == "__main__":
    {"download": download, "upload": upload}[sys.argv[1]](sys.argv[2], sys.argv[3])
