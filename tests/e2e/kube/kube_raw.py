"""Raw-container tasks (data_config) as pods: plain shell commands in the default task image,
inputs read from files and outputs written to files through the engine's copilot."""
from flytekit import ContainerTask, kwtypes, workflow
from flytekit.configuration import DefaultImages
from flytekit.types.file import FlyteFile

IMAGE = DefaultImages.default_image()  # in the cluster already: no pull


def sh_task(name: str, inputs: dict, outputs: dict, command: str) -> ContainerTask:
    """`sh -c command` in the default image, its files in /var/inputs and /var/outputs."""
    return ContainerTask(name=name, image=IMAGE, input_data_dir="/var/inputs",
                         output_data_dir="/var/outputs", inputs=inputs, outputs=outputs,
                         command=["sh", "-c", command])


count_lines = sh_task("kube_raw_count_lines", kwtypes(a=int, f=FlyteFile),
                      kwtypes(n=int, loud=FlyteFile),
                      "echo $(( {{.inputs.a}} + $(wc -l < /var/inputs/f) )) > /var/outputs/n && "
                      "tr a-z A-Z < /var/inputs/f > /var/outputs/loud")


@workflow
def raw_wf(a: int, f: FlyteFile) -> tuple[int, FlyteFile]:
    return count_lines(a=a, f=f)


refuse = sh_task("kube_raw_refuse", kwtypes(x=int), kwtypes(y=int),
                 "echo 'x={{.inputs.x}} must be even' > /var/outputs/_ERROR")


@workflow
def raw_error_wf(x: int = 3) -> int:
    return refuse(x=x)


exit_one = sh_task("kube_raw_exit_one", kwtypes(x=int), kwtypes(y=int),
                   "echo 'giving up on {{.inputs.x}}' >&2; exit 1")


@workflow
def raw_exit_wf(x: int = 3) -> int:
    return exit_one(x=x)


slow_double = sh_task("kube_raw_slow_double", kwtypes(x=int, seconds=int), kwtypes(y=int),
                      "sleep {{.inputs.seconds}} && echo $(( $(cat /var/inputs/x) * 2 )) > /var/outputs/y")


@workflow
def raw_slow_wf(x: int, seconds: int) -> int:
    return slow_double(x=x, seconds=seconds)
