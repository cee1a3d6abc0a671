"""One batch's update: every named optimiser of a method, in order, `steps[name]` times.

`make_step` picks how that update runs (`train.step`):
  eager       — PyTorch's eager autograd, every operator dispatched from Python;
  cuda_graph  — the whole update (forward, loss, backward, optimiser) captured once as a
                CUDA graph and replayed per batch (engine/cuda_graph.py): one launch instead
                of hundreds, which is what the small models need on a GPU (they are
                launch-bound there). Opt-in: it has not yet run on a GPU (its GPU tests skip
                without one), so no default picks it before it is measured;
  auto        — eager, on every device. On CPU that is measured: torch.compile was slower
                for AE-64 and the VAE (the compiled wrapper's per-call cost exceeds the
                dispatch it saves) and did not trace the dense GAN (benchmarks/README.md).
Each update's forward and loss run in the model's train.precision (engine/precision.py:
float32, or bfloat16 autocast; the backward follows the forward's dtypes, as autocast asks).
A step returns {optimiser name: Loss of its last update}, detached from nothing: the
trainer only sums them."""
from __future__ import annotations

import torch

from genlab.config import TrainConfig
from genlab.engine import precision
from genlab.engine.cuda_graph import Step, graphed_step
from genlab.methods.base import Loss, Method


def make_step(method: Method, optimizers: dict, cfg: TrainConfig, device: torch.device) -> Step:
    eager = eager_step(method, optimizers, cfg, device)
    if cfg.step == "cuda_graph":
        return graphed_step(method, optimizers, cfg, device, fallback=eager)
    return eager  # auto and eager


def eager_step(method: Method, optimizers: dict, cfg: TrainConfig, device: torch.device | str = "cpu") -> Step:
    counts = {name: cfg.steps.get(name, 1) for name in method.optimizers}
    dtype = precision.resolve(cfg.precision, device)  # train.precision: engine/precision.py

    def step(x: torch.Tensor, y: torch.Tensor) -> dict[str, Loss]:
        losses = {}
        for name, count in counts.items():
            for _ in range(count):
                with precision.autocast(dtype, device):  # the forward and loss; backward runs outside, as autocast asks
                    loss = method.loss(x, y, name)
                optimizers[name].zero_grad(set_to_none=True)
                loss.total.backward()
                optimizers[name].step()
                method.after_step(name)
            losses[name] = loss  # the last of its steps
        return losses
    return step
