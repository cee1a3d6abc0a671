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
    """A finished run folder: its report, figures, models and every number it measured.

    Example:
        run = genlab.open("runs/demo")
        run.metrics()            # DataFrame: model, metric, value, sampling_se
        run.epochs("vae")        # DataFrame: one row per epoch
        run.model("vae").sample(16)
    """

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
        """Every number the run measured, as a pandas DataFrame with columns model (a model's name,
        or "run" for run-wide numbers such as the real-data floor), title (the model's name on the
        page), metric (SOURCE:PATH, the form a study file's comparisons use; a model's title inside
        a path is written {title}), value and sampling_se (the metric's sampling standard error where
        the run measured one, else NaN) — what results.csv holds per trial."""
        import pandas as pd

        from genlab import run_record

        record = run_record.read_run(self.path)
        titles = {m: record.title(m) for m in record.models}
        rows = []
        for model, metric, value, se in run_record.numbers(record):
            if not model:
                model, metric = _owner(metric, titles)
            rows.append((model, titles.get(model, ""), metric, value, se))
        return pd.DataFrame(rows, columns=["model", "title", "metric", "value", "sampling_se"])

    def epochs(self, model: str):
        """DataFrame: one row per epoch of `model` (train / val / extra numbers)."""
        import pandas as pd

        from genlab.report.export import epoch_table
        from genlab.runs import RunDir

        table = epoch_table(RunDir(self.path).model(self._check(model)).read_metrics())
        return pd.DataFrame(table.rows, columns=table.header)

    def model(self, name: str, device: str = "cpu") -> "TrainedModel":
        """The trained model `name`, in eval mode, on `device`.

        Args:
            name: a model of the run (`run.models` lists them), e.g. "vae".
            device: "cpu" or "cuda".

        Returns:
            A `TrainedModel` (encode / decode / reconstruct / sample, as the model has them;
                the genlab Method itself is `.method`); for the kitti study, an ultralytics YOLO object.
        """
        from genlab.runs import RunDir

        model_dir = RunDir(self.path).model(self._check(name))
        if self.config.get("study") == "kitti":
            from genlab.detect.yolo import import_yolo

            return import_yolo()(str(model_dir.final))
        from genlab import registry

        return TrainedModel(registry.load_trained(model_dir, map_location=device), name)

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


def _owner(metric: str, titles: dict[str, str]) -> tuple[str, str]:
    """(model, metric) of a number the run files under a model's title (curves keyed by title):
    the model, and the path with {title} in its place; ("run", metric) for run-wide numbers."""
    for model, title in sorted(titles.items(), key=lambda t: -len(t[1])):
        if f".{title}." in metric or metric.endswith(f".{title}"):
            return model, metric.replace(f".{title}", ".{title}", 1)
    for model in sorted(titles, key=len, reverse=True):  # keyed by the model's name
        if f".{model}." in metric or metric.endswith(f".{model}"):
            return model, metric
    return "run", metric


class TrainedModel:
    """A trained genlab model, ready to use: images in, images or codes out, without gradients.

    Images are N×C×H×W (or one C×H×W image): floats in [0, 1], or uint8 0–255 (converted), as a
    torch tensor or a numpy array. Outputs are float tensors on the model's device: images in
    [0, 1], codes N×latent_dim. Anything else of the model (its parameters, `latent_dim`,
    `capabilities()`) is reached through this object or `.method`.
    """

    def __init__(self, method, name: str = ""):
        self.method, self.name = method, name

    def encode(self, images):
        """N×C×H×W images → N×latent_dim codes (a VAE: the posterior mean)."""
        return self._call("encode", self._images(images))

    def decode(self, codes):
        """N×latent_dim codes → N×C×H×W images in [0, 1]."""
        import torch

        return self._call("decode", torch.as_tensor(codes, dtype=torch.float32, device=self._device()))

    def reconstruct(self, images):
        """N×C×H×W images → their reconstructions, same shape, in [0, 1]."""
        return self._call("reconstruct", self._images(images))

    def sample(self, n: int, seed: int | None = None, **options):
        """n new images, n×C×H×W in [0, 1], from the model's prior (`seed` makes them repeatable;
        a GAN also takes prior="normal"|"uniform"). An autoencoder has no prior of its own:
        `genlab sample RUN --model NAME` draws through a mixture fitted to its codes."""
        import torch

        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive whole number of images, got {n!r}")
        generator = torch.Generator(device=self._device()).manual_seed(seed) if seed is not None else None
        return self._call("sample", n, generator, **options)

    def _device(self):
        return next(self.method.parameters()).device

    def _call(self, what: str, *args, **kwargs):
        import torch

        fn = getattr(self.method, what, None)
        if not callable(fn):
            can = ", ".join(sorted(self.method.capabilities())) or "nothing of these"
            raise AttributeError(f"model {self.name or type(self.method).__name__} cannot {what} (it can: {can})")
        with torch.no_grad():
            return fn(*args, **kwargs)

    def _images(self, images):
        """Images as the model takes them: float32 N×C×H×W in [0, 1] on its device."""
        import torch

        x = torch.as_tensor(images)
        if x.dtype == torch.uint8:
            x = x.float() / 255  # 0–255 pixels, as genlab stores images
        elif not x.is_floating_point():
            raise TypeError(f"images must be floats in [0, 1] or uint8 0–255, got {x.dtype}")
        x = x.unsqueeze(0) if x.dim() == 3 else x
        if x.dim() != 4:
            raise ValueError(f"images must be N×C×H×W (or one C×H×W image), got shape {tuple(x.shape)}")
        return x.float().to(self._device())

    def __getattr__(self, attr):
        return getattr(self.__dict__["method"], attr)

    def __repr__(self) -> str:
        return f"genlab.TrainedModel({self.name!r}, {type(self.method).__name__})"


class Experiment:
    """A finished experiment folder (seeds, sweeps): `trials` (each a Run), `results()` (one row
    per trial × model × metric), `report`."""

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


def open(path: str | Path) -> Run | Experiment:  # noqa: A001 — genlab.open(folder) reads as intended
    """A run folder or an experiment folder written earlier (by the CLI or `genlab.run`).

    Args:
        path: the folder.

    Returns:
        `Experiment` for a folder of trials (--seeds, sweep), else `Run`.
    """
    from genlab.experiments.orchestrate import is_experiment

    return Experiment(path) if is_experiment(Path(path)) else Run(path)


def run(study: str, out: str | Path | None = None, quick: bool = False, seed: int | None = None, overrides: list[str] = (),
        device: str = "auto", seeds: int | None = None, jobs: int | None = None, progress: bool = False) -> Run | Experiment:
    """`genlab run` from Python: the same checks, the same run folder and report.

    Args:
        study: a shipped study ("dense", "conv", "gen", "kitti") or the path of a study YAML.
        out: the folder to write (default runs/<study>-<timestamp> under the current folder).
        quick: apply the study's `quick:` settings (minutes on 2 CPU cores).
        seed: the random seed (default: the study file's).
        overrides: ["KEY=VALUE", ...] as `--set` (e.g. ["train.epochs=3"]).
        device: "auto", "cpu" or "cuda".
        seeds: train every model with this many seeds: an experiment (its comparisons tested).
        jobs: trials at once for an experiment (default: what fits the machine).
        progress: show progress bars.

    Returns:
        `Run` (or `Experiment` with `seeds`). Bad input raises `genlab.errors.GenlabError` with one line.
    """
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
