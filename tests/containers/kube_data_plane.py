"""The data-plane suite's workflows as pods: launched together on a `demo start --kubernetes`
sandbox from the host with the real flytekit, each must end with its right result.

Usage: kube_data_plane.py FLYTECTL_CONFIG VERSION (the examples registered at VERSION).
Prints one line a run; exits 1 naming every wrong result. Workflows that need pandas are left
out: the default task image has no pandas."""
import pathlib
import sys
from datetime import timedelta

from flytekit.configuration import Config
from flytekit.remote import FlyteRemote

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import data_plane_runs  # noqa: E402


def main(config: str, version: str) -> int:
    remote = FlyteRemote(Config.auto(config_file=config), default_project="flytesnacks",
                         default_domain="development")
    runs = [run for run in data_plane_runs.RUNS if not run[5]]
    wrong = []
    for run, name in data_plane_runs.launch_all(remote, version, runs):
        ex = remote.wait(remote.fetch_execution(name=name), timeout=timedelta(seconds=600),
                         poll_interval=timedelta(seconds=1))
        why = data_plane_runs.wrong_result(ex, run)
        print(f"{'WRONG' if why else 'ok'}: {run[0]} {name} {why}", flush=True)
        if why:
            wrong.append(why)
    if wrong:
        print("\n".join(wrong), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
