"""genlab: train, evaluate and compare generative models; write a report you can trust.

From Python: `genlab.run(...)`, `genlab.open(folder)` — see genlab.api."""
import os as _os

__version__ = "0.1.0"

# On some CPUs (AVX-512 seen) MKL splits a matrix product's inner dimension across threads,
# so 1 and 2 threads give products that differ in the last bit. MKL's strict reproducible
# mode gives the same bits at any thread count, which is what lets genlab change its thread
# count under load (engine/threads.py) without changing a dense run's numbers. MKL reads it
# once, when it starts: genlab sets it on import, so import genlab before torch.
_os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")


def __getattr__(name: str):
    """`genlab.run`, `genlab.open`, `genlab.Run`, `genlab.Experiment`, imported on first use
    (so `import genlab` and `genlab --help` stay instant)."""
    if name in ("run", "open", "Run", "Experiment"):
        from genlab import api

        return getattr(api, name)
    raise AttributeError(f"module 'genlab' has no attribute {name!r}")
