"""genlab: train, evaluate and compare generative models; write a report you can trust.

From Python: `genlab.run(...)`, `genlab.open(folder)` — see genlab.api."""
__version__ = "0.1.0"


def __getattr__(name: str):
    """`genlab.run`, `genlab.open`, `genlab.Run`, `genlab.Experiment`, imported on first use
    (so `import genlab` and `genlab --help` stay instant)."""
    if name in ("run", "open", "Run", "Experiment"):
        from genlab import api

        return getattr(api, name)
    raise AttributeError(f"module 'genlab' has no attribute {name!r}")
