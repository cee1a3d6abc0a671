"""An experiment's trials as its folder holds them: each trial's seed, setting, fate (done,
failed with its last error line, not run) and, when done, its run record."""
from __future__ import annotations

from dataclasses import dataclass

from genlab import run_record
from genlab.experiments.executors import last_error
from genlab.experiments.plan import cell_label


@dataclass
class TrialState:
    id: str
    seed: int
    vary: dict
    status: str  # done | failed | not run
    error: str = ""
    record: run_record.RunRecord | None = None

    @property
    def cell(self) -> str:
        return cell_label(self.vary)


def read_trials(exp) -> list[TrialState]:
    states = []
    for entry in exp.read_spec()["trials"]:
        tid, folder = entry["id"], exp.trial(entry["id"])
        if (folder / "report.html").is_file():
            states.append(TrialState(tid, entry["seed"], entry.get("vary") or {}, "done",
                                     record=run_record.read_run(folder)))
        elif exp.log(tid).is_file():
            states.append(TrialState(tid, entry["seed"], entry.get("vary") or {}, "failed", last_error(exp.log(tid))))
        else:
            states.append(TrialState(tid, entry["seed"], entry.get("vary") or {}, "not run"))
    return states


def cells(states: list[TrialState]) -> dict[str, list[TrialState]]:
    """Setting → its finished trials (one per seed), in the experiment's order."""
    out: dict[str, list[TrialState]] = {}
    for state in states:
        out.setdefault(state.cell, [])
        if state.record is not None:
            out[state.cell].append(state)
    return out
