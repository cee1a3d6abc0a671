"""genlab from Python and notebooks.

    import genlab
    run = genlab.run("dense", quick=True, out="runs/demo")     # the CLI's `genlab run`
    run                                   # in Jupyter: the headline table and the report's path
    run.metrics()                         # every number the run measured (pandas DataFrame)
    run.epochs("vae")                     # a model's per-epoch losses
    ae = run.model("ae64")                # the trained model, eval mode: encode / decode / sample
    run.figures                           # the PNG files of the report
    exp = genlab.run("conv", seeds=3)     # an experiment: exp.results(), exp.trials
    genlab.open("runs/demo")              # a run or experiment folder written earlier

Everything here reads the run folder — the same files the report is built from.
"""
from __future__ import annotations

import html
from pathlib import Path


class Run:
    """A finished run folder."""

    def __init__(self, path):
        from genlab import runs

        self.path = Path(path)
        self.config = runs.check_run(runs.RunDir(self.path))  # one line if it is not a sound run folder

    @property
    def report(self) -> Path:
        return self.path / "report.html"

    @property
    def figures(self) -> list[Path]:
        return sorted((self.path / "figures").glob("*.png"))

    @property
    def models(self) -> list[str]:
        return [m["name"] for m in self.config.get("models", [])]

    def metrics(self):
        """DataFrame: model, metric (SOURCE:PATH), value, sampling_se (the metric's sampling standard
        error where the run measured one, else NaN) — what results.csv holds per trial."""
        import pandas as pd

        from genlab import run_record

        rows = run_record.numbers(run_record.read_run(self.path))
        return pd.DataFrame(rows, columns=["model", "metric", "value", "sampling_se"])

    def epochs(self, model: str):
        """DataFrame: one row per epoch of `model` (train / val / extra numbers)."""
        import pandas as pd

        from genlab.report.export import epoch_table
        from genlab.runs import RunDir

        table = epoch_table(RunDir(self.path).model(self._check(model)).read_metrics())
        return pd.DataFrame(table.rows, columns=table.header)

    def model(self, name: str, device: str = "cpu"):
        """The trained model, eval mode. Registry models are genlab Methods (encode, decode,
        reconstruct, sample as they have them); kitti's are ultralytics YOLO objects."""
        from genlab.runs import RunDir

        model_dir = RunDir(self.path).model(self._check(name))
        if self.config.get("study") == "kitti":
            from genlab.detect.yolo import import_yolo

            return import_yolo()(str(model_dir.final))
        from genlab import registry

        return registry.load_trained(model_dir, map_location=device)

    def _check(self, name: str) -> str:
        if name not in self.models:
            from genlab.errors import GenlabError

            raise GenlabError(f"no model {name!r} in {self.path} (models: {', '.join(self.models)})")
        return name

    def _repr_html_(self) -> str:
        from genlab.studies.runner import headline
        from genlab.runs import RunDir

        lines = headline(RunDir(self.path)).splitlines()
        return (f"<b>genlab run {html.escape(str(self.path))}</b> ({html.escape(str(self.config.get('study')))})"
                f"<pre>{html.escape(chr(10).join(lines[1:]))}</pre>report: <code>{html.escape(str(self.report))}</code>")

    def __repr__(self) -> str:
        return f"genlab.Run({str(self.path)!r})"


class Experiment:
    """A finished experiment folder (seeds, sweeps)."""

    def __init__(self, path):
        from genlab.experiments.orchestrate import ExperimentDir

        self.path = Path(path)
        self._dir = ExperimentDir(self.path)
        self.spec = self._dir.read_spec()

    @property
    def report(self) -> Path:
        return self._dir.report

    @property
    def trials(self) -> list[Run]:
        return [Run(self._dir.trial(t["id"])) for t in self.spec["trials"]
                if (self._dir.trial(t["id"]) / "report.html").is_file()]

    def results(self):
        """DataFrame of results.csv: one row per trial × model × metric."""
        import pandas as pd

        return pd.read_csv(self._dir.results)

    def _repr_html_(self) -> str:
        return (f"<b>genlab experiment {html.escape(str(self.path))}</b>: {len(self.trials)} of "
                f"{len(self.spec['trials'])} trials finished; report: <code>{html.escape(str(self.report))}</code>")

    def __repr__(self) -> str:
        return f"genlab.Experiment({str(self.path)!r})"


def open(path) -> Run | Experiment:  # noqa: A001 — genlab.open(folder) reads as intended
    from genlab.experiments.orchestrate import is_experiment

    return Experiment(path) if is_experiment(Path(path)) else Run(path)


def run(study: str, out=None, quick: bool = False, seed: int | None = None, overrides: list[str] = (),
        device: str = "auto", seeds: int | None = None, jobs: int | None = None, progress: bool = False) -> Run | Experiment:
    """`genlab run` from Python; `seeds=N` makes an experiment. Same checks, same folders."""
    from genlab.config import load_study
    from genlab.studies.base import Runtime

    runtime = Runtime(device=device, progress=progress)
    if seeds is not None:
        from genlab.experiments.orchestrate import run_experiment
        from genlab.experiments.plan import ExperimentSpec

        report, _ = run_experiment(ExperimentSpec(study, list(overrides), quick, seeds, seed, jobs=jobs),
                                   Path(out) if out else None, runtime)
        return Experiment(report.parent)
    from genlab.studies.runner import run_study

    config = load_study(study, list(overrides), quick=quick, seed=seed)
    return Run(run_study(config, Path(out) if out else None, runtime).path)
