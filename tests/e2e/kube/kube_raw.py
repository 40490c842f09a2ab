"""Raw-container tasks (data_config) as pods: plain shell commands in the default task image,
inputs read from files and outputs written to files through the engine's copilot."""
from flytekit import ContainerTask, kwtypes, workflow
from flytekit.configuration import DefaultImages
from flytekit.types.file import FlyteFile

IMAGE = DefaultImages.default_image()  # in the cluster already: no pull

count_lines = ContainerTask(
    name="kube_raw_count_lines",
    image=IMAGE,
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(a=int, f=FlyteFile),
    outputs=kwtypes(n=int, loud=FlyteFile),
    command=["sh", "-c",
             "echo $(( {{.inputs.a}} + $(wc -l < /var/inputs/f) )) > /var/outputs/n && "
             "tr a-z A-Z < /var/inputs/f > /var/outputs/loud"],
)


@workflow
def raw_wf(a: int, f: FlyteFile) -> tuple[int, FlyteFile]:
    return count_lines(a=a, f=f)


refuse = ContainerTask(
    name="kube_raw_refuse",
    image=IMAGE,
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(x=int),
    outputs=kwtypes(y=int),
    command=["sh", "-c", "echo 'x={{.inputs.x}} must be even' > /var/outputs/_ERROR"],
)


@workflow
def raw_error_wf(x: int = 3) -> int:
    return refuse(x=x)


exit_one = ContainerTask(
    name="kube_raw_exit_one",
    image=IMAGE,
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(x=int),
    outputs=kwtypes(y=int),
    command=["sh", "-c", "echo 'giving up on {{.inputs.x}}' >&2; exit 1"],
)


@workflow
def raw_exit_wf(x: int = 3) -> int:
    return exit_one(x=x)


slow_double = ContainerTask(
    name="kube_raw_slow_double",
    image=IMAGE,
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(x=int, seconds=int),
    outputs=kwtypes(y=int),
    command=["sh", "-c",
             "sleep {{.inputs.seconds}} && echo $(( $(cat /var/inputs/x) * 2 )) > /var/outputs/y"],
)


@workflow
def raw_slow_wf(x: int, seconds: int) -> int:
    return slow_double(x=x, seconds=seconds)
