"""What the numbers of a run were measured on: environment.json."""
from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path


def environment() -> dict:
    """What the numbers in a report were measured on."""
    import numpy
    import torch

    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "numpy": numpy.__version__,
        "cuda_available": torch.cuda.is_available(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "started": dt.datetime.now().isoformat(timespec="seconds"),
    }
    try:
        from importlib.metadata import version

        info["genlab"] = version("genlab")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        info["genlab"] = "source"
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

