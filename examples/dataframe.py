"""A pandas DataFrame passed between tasks as a StructuredDataset."""
import pandas as pd
from flytekit import task, workflow


@task
def make_frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"i": list(range(n)), "sq": [i * i for i in range(n)]})


@task
def total(df: pd.DataFrame) -> int:
    return int(df["sq"].sum())


@workflow
def frame_wf(n: int = 5) -> int:
    return total(df=make_frame(n=n))
