"""genlab: train, evaluate and compare generative models; write a report you can trust.

From Python (each loads on first use, so `import genlab` stays instant):

    genlab.run(study, out=None, quick=False, seed=None, overrides=(), device="auto", seeds=None, jobs=None)
        run a study ("dense", "conv", "gen", "kitti" or a YAML path) as `genlab run` does;
        returns a Run (an Experiment with seeds=N)
    genlab.open(folder)       a run or experiment folder written earlier
    genlab.Run                run.metrics(), run.epochs(name), run.model(name), run.report, run.figures
    genlab.Experiment         exp.results(), exp.trials, exp.report
    run.model(name)           a TrainedModel: encode / decode / reconstruct / sample, images N×C×H×W
                              floats in [0, 1] (uint8 0–255 accepted)

help(genlab.api) has the details; the command line is `genlab --help`."""
import os as _os

__version__ = "0.1.0"

# On some CPUs (AVX-512 seen) MKL splits a matrix product's inner dimension across threads,
# so 1 and 2 threads give products that differ in the last bit. MKL's strict reproducible
# mode gives the same bits at any thread count, which is what lets genlab change its thread
# count under load (engine/threads.py) without changing a dense run's numbers. MKL reads it
# once, when it starts: genlab sets it on import, so import genlab before torch.
_os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")


__all__ = ["run", "open", "Run", "Experiment", "TrainedModel", "__version__"]


def __dir__() -> list[str]:
    return sorted(__all__)


def __getattr__(name: str):
    """`genlab.run`, `genlab.open`, `genlab.Run`, `genlab.Experiment`, imported on first use
    (so `import genlab` and `genlab --help` stay instant)."""
    if name in ("run", "open", "Run", "Experiment", "TrainedModel"):
        from genlab import api

        return getattr(api, name)
    raise AttributeError(f"module 'genlab' has no attribute {name!r}")
