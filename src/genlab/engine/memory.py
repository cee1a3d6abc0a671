"""Will a model's training fit in memory? An estimate before any training, so a batch size
the machine cannot hold is refused in one line instead of ending in the kernel's OOM killer
(exit 137, no message, a lock left behind — and it may kill another process instead).

The estimate is deliberately simple and errs high: the model, built on the meta device (no
memory, no time), runs two images forward with a hook on every leaf module; the bytes of their
outputs are the activations one image keeps for the backward pass. Training a batch keeps
them for every image, and about as much again for their gradients; the parameters come four
times (weights, gradients, two Adam moments); evaluation keeps one batch's activations at a
time (forward only). A model the meta device cannot run is not estimated (nothing refused).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from genlab.errors import GenlabError

HEADROOM = 0.9  # refuse above this share of the memory available now: the OS and genlab need some too


@dataclass
class Estimate:
    parameters: int  # bytes: weights, gradients, optimiser moments
    per_image: int  # bytes of activations one training image keeps for its backward pass

    def training(self, batch: int) -> int:
        return self.parameters + 2 * self.per_image * batch

    def evaluation(self, batch: int) -> int:
        return self.parameters + self.per_image * batch


def estimate(method, shape: tuple[int, int, int]) -> Estimate | None:
    """What training `method` (built on the meta device) needs, or None if it cannot be traced."""
    params = sum(p.numel() * p.element_size() for p in method.parameters())
    sizes: list[int] = []

    def hook(module, inputs, output):
        for t in output if isinstance(output, (tuple, list)) else (output,):
            if isinstance(t, torch.Tensor):
                sizes.append(t.numel() * t.element_size())
    leaves = [m for m in method.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        x = torch.zeros((2, *shape), device="meta")  # 2×C×H×W: batch norm needs two
        with torch.no_grad():
            for name in method.optimizers:
                method.loss(x, torch.zeros(2, dtype=torch.long, device="meta"), name)
    except Exception:  # noqa: BLE001 - a model the meta device cannot run: no estimate
        return None
    finally:
        for handle in handles:
            handle.remove()
    return Estimate(parameters=4 * params, per_image=sum(sizes) // 2)


def available(device: torch.device) -> int | None:
    """Bytes that can be allocated now on `device` (CPU: MemAvailable), or None if unknown."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return free
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None


def check(method, shape: tuple[int, int, int], cfg, where: str, device: torch.device) -> None:
    """Refuse in one line a model whose training (or evaluation) batch cannot fit on `device`."""
    est, free = estimate(method, shape), available(device)
    if est is None or free is None:
        return
    for key, batch, need in (("batch_size", cfg.batch_size, est.training(cfg.batch_size)),
                             ("eval_batch_size", cfg.eval_batch_size, est.evaluation(cfg.eval_batch_size))):
        if need > HEADROOM * free:
            fits = max(1, int((HEADROOM * free - est.parameters) / (est.per_image * (2 if key == "batch_size" else 1))))
            raise GenlabError(f"{where}.train.{key}={batch} needs about {_gb(need)} of {device.type} memory "
                              f"({_gb(est.per_image)} per image); {_gb(free)} is available: "
                              f"use a {key} of at most {fits}")


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"
