"""What a model's networks compute in while it trains (`train.precision`).

  float32   the default: everything in float32; the same bits at any thread count (MKL's
            strict mode, genlab/__init__.py) and after a resume.
  bfloat16  mixed precision: each update's loss runs under torch.autocast(bfloat16), so
            matrix products (linear layers, convolutions) read bfloat16 and accumulate in
            float32, while weights, gradients, Adam's moments and every loss stay float32
            (methods compute their losses from float32 outputs). On a CPU with AMX (Intel
            Sapphire Rapids and later) a 256×1024×784 product ran 4.7× faster than in float32
            (1,267 vs 270 GFLOP/s on 2 cores); a batch-32 product ran slower (110 vs 162), so
            it pays only for wide layers at large batches. Without bf16 units torch emulates
            it, slower than float32. A resume is exact at a fixed thread count, but oneDNN
            splits some bfloat16 products by thread: unlike float32, the last bits can depend
            on the thread count.
  auto      bfloat16 where the device has bf16 matrix units (a CPU with AMX, a CUDA GPU of
            compute capability 8.0 or later), float32 elsewhere — what a study file names for
            a model measured to gain from it with results within seed noise (the dense GANs).
Evaluation, sampling and every analysis run in float32 whatever the training precision.
"""
from __future__ import annotations

import contextlib

import torch

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}  # a precision's name (summary.json, reports) → dtype


def resolve(precision: str, device: torch.device | str) -> torch.dtype:
    """The dtype `precision` (train.precision) means on `device`."""
    return DTYPES[resolved_name(precision, device)]


def resolved_name(precision: str, device: torch.device | str) -> str:
    """float32 or bfloat16: `precision` with auto decided for `device`."""
    if precision == "auto":
        return "bfloat16" if has_bfloat16_units(device) else "float32"
    return precision


def has_bfloat16_units(device: torch.device | str) -> bool:
    """Whether `device` multiplies bfloat16 matrices in hardware (not emulated)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        amx = getattr(torch.cpu, "_is_amx_tile_supported", None)  # torch's own check (private; absent: no AMX assumed)
        return torch.backends.mkldnn.is_available() and amx is not None and amx()
    return False


def autocast(dtype: torch.dtype, device: torch.device | str):
    """The context one update's loss runs in. CUDA graphs cannot capture autocast's weight
    cache (PyTorch's CUDA-graph notes), so it is off there; on the CPU it saves re-casting a
    network's weights when a loss calls it twice (the GAN's discriminator)."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    device = torch.device(device)
    return torch.autocast(device.type, dtype=dtype, cache_enabled=device.type != "cuda")
