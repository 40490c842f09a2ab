"""FlyteFile and FlyteDirectory in and out of tasks."""
import os

from flytekit import task, workflow
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile


@task
def write_file(text: str) -> FlyteFile:
    path = os.path.join(os.getcwd(), "greeting.txt")
    with open(path, "w") as f:
        f.write(text)
    return FlyteFile(path)


@task
def shout(f: FlyteFile) -> FlyteFile:
    with open(f.download()) as src:
        text = src.read()
    out = os.path.join(os.getcwd(), "loud.txt")
    with open(out, "w") as dst:
        dst.write(text.upper())
    return FlyteFile(out)


@task
def make_dir(n: int) -> FlyteDirectory:
    d = os.path.join(os.getcwd(), "parts")
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        with open(os.path.join(d, f"part-{i}.txt"), "w") as f:
            f.write(str(i * i))
    return FlyteDirectory(d)


@task
def sum_dir(d: FlyteDirectory) -> int:
    local = d.download()
    return sum(int(open(os.path.join(local, name)).read()) for name in sorted(os.listdir(local)))


@task
def read_text(f: FlyteFile) -> str:
    with open(f.download()) as src:
        return src.read()


@workflow
def files_wf(text: str = "hello files", n: int = 4) -> tuple[str, int, FlyteFile]:
    loud = shout(f=write_file(text=text))
    return read_text(f=loud), sum_dir(d=make_dir(n=n)), loud


@workflow
def file_input_wf(f: FlyteFile) -> str:
    return read_text(f=shout(f=f))
