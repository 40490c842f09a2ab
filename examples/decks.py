"""A task that writes a deck (its HTML report), read back through the node's deck_uri and
`flyte://.../d` URLs."""
import flytekit
from flytekit import task, workflow


@task(enable_deck=True)
def report(title: str) -> str:
    flytekit.Deck("summary", f"<h1>{title}</h1>")
    return title.upper()


@workflow
def deck_wf(title: str = "flytebox") -> str:
    return report(title=title)
