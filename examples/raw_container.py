"""Raw containers: plain commands that read inputs from files and write outputs to files."""
from flytekit import ContainerTask, kwtypes, workflow

square_sh = ContainerTask(
    name="square_sh",
    image="debian:12-slim",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(x=int, word=str),
    outputs=kwtypes(y=int, text=str),
    command=["sh", "-c",
             "echo $(( {{.inputs.x}} * {{.inputs.x}} )) > /var/outputs/y && "
             "tr a-z A-Z < /var/inputs/word > /var/outputs/text"],
)

refuse_sh = ContainerTask(
    name="refuse_sh",
    image="debian:12-slim",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(x=int),
    outputs=kwtypes(y=int),
    command=["sh", "-c", "echo 'x must be even' > /var/outputs/_ERROR"],
)


@workflow
def raw_wf(x: int = 7, word: str = "quiet") -> tuple[int, str]:
    return square_sh(x=x, word=word)


@workflow
def raw_error_wf(x: int = 3) -> int:
    return refuse_sh(x=x)
