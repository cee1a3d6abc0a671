"""One batch's update captured once as a CUDA graph and replayed for every later batch.

Why: at the reports' batch sizes (AE-64 at 32 images, ~1,700 steps an epoch of a small
MLP) a GPU is launch-bound. Eager PyTorch dispatches each of an update's hundreds of tiny
kernels from Python: an H100 trained AE-64 at 19,757 img/s, 2 CPU cores at ~58,000. A
replay launches the whole update (forward, loss, backward, every optimiser's steps) at once.

How (PyTorch's whole-network capture recipe, "CUDA Graphs" in the CUDA semantics notes):
  - the first WARMUP full batches train eagerly on a side stream: real updates on the real
    data, counted like any step (optimiser state such as Adam's moments is made there);
  - the next full batch is copied into static input buffers and the eager step (engine/
    step.py) is captured with torch.cuda.graph. A capture records without running, so that
    batch is replayed once right after: every batch gets exactly the updates eager gives it;
  - later full batches: copy in, replay. A batch of another shape (an epoch's last, partial
    one) takes the eager step, on the same parameters and optimiser state.
Adam/AdamW are captured with capturable=True and a 0-d CUDA tensor as learning rate, which
each replay refreshes from its param group, so per-step schedules keep working. Outside the
capture the groups are as eager made them (a float rate, capturable=False): checkpoints are
the same in both modes and resume in either. SGD reads its rate on the host at each step,
so it is captured only with a constant rate. Random numbers in a loss (VAE sampling, DAE
noise, GAN priors) come from the default CUDA generator, which a replay advances: fresh on
every replay, the same sequence for the same seed (and after a resume: its state is in the
checkpoint).
A model whose update does not capture (a host sync, data-dependent control flow, CPU
tensors) stops training with one line saying why (train.step=cuda_graph is asked for by
name: it is never swapped silently for the eager step).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import torch

from genlab.config import TrainConfig
from genlab.errors import GenlabError
from genlab.methods.base import Loss, Method

Step = Callable[[torch.Tensor, torch.Tensor], dict[str, Loss]]  # one batch's update: (x, y) → each optimiser's Loss

WARMUP = 3  # eager full batches before the capture (the recipe's count)


def graphed_step(method: Method, optimizers: dict, cfg: TrainConfig, device: torch.device, fallback: Step) -> Step:
    """A Step that replays one captured update per full batch, and runs `fallback` (the eager
    step) for a batch of another shape."""
    reason = _unsupported(optimizers, cfg, device)
    if reason is not None:
        _refuse(method, reason)
    return _GraphedStep(method, optimizers, cfg.batch_size, fallback)


def _unsupported(optimizers: dict, cfg: TrainConfig, device: torch.device) -> str | None:
    if device.type != "cuda":
        return f"the model trains on {device.type}, and CUDA graphs need a CUDA GPU"
    if cfg.schedule != "constant" and any(isinstance(o, torch.optim.SGD) for o in optimizers.values()):
        return "SGD reads a scheduled learning rate on the host at every step"
    return None


def _refuse(method: Method, reason: str) -> None:
    raise GenlabError(f"train.step=cuda_graph: {type(method).__name__}'s training step cannot run as a CUDA graph "
                      f"({reason}); use train.step=auto or eager")


class _GraphedStep:
    """Warm up, capture, replay (the module docstring); the eager `fallback` for odd batches."""

    def __init__(self, method: Method, optimizers: dict, batch_size: int, fallback: Step):
        self.method, self.optimizers, self.batch_size, self.fallback = method, optimizers, batch_size, fallback
        self.warmed = 0
        self.graph: torch.cuda.CUDAGraph | None = None
        self.static: tuple[torch.Tensor, torch.Tensor] = ()  # the graph's inputs: B×… images, B labels
        self.losses: dict[str, Loss] = {}  # the graph's outputs (0-d tensors), rewritten by each replay
        self.lrs: list[list] = []  # [param group, its 0-d CUDA rate the graph reads, the rate last written]

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, Loss]:
        if self.graph is not None:
            fits = x.shape == self.static[0].shape and y.shape == self.static[1].shape
            return self._replay(x, y) if fits else self.fallback(x, y)
        if len(x) != self.batch_size:
            return self.fallback(x, y)
        if self.warmed < WARMUP:
            self.warmed += 1
            return _on_side_stream(self.fallback, x, y)
        return self._capture(x, y)

    def _capture(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, Loss]:
        try:
            self.graph, self.static, self.losses, self.lrs = _capture(self.fallback, self.optimizers, x, y)
        except Exception as exc:  # noqa: BLE001 - whatever a capture refuses, said in one line
            _refuse(self.method, _first_line(exc))
        return self._replay(x, y)  # the capture recorded this batch's update without running it

    def _replay(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, Loss]:
        self.static[0].copy_(x)
        self.static[1].copy_(y)
        for entry in self.lrs:
            group, rate, written = entry
            if group["lr"] != written:  # the schedule moved it (a constant rate costs no launch)
                rate.fill_(group["lr"])
                entry[2] = group["lr"]
        self.graph.replay()
        # The same Loss tensors every call, rewritten by each replay: the trainer adds them to
        # its sums (kernels queued on this stream) before its next call, so a replay never
        # overwrites a value before it is read.
        return self.losses


def _on_side_stream(step: Step, x: torch.Tensor, y: torch.Tensor) -> dict[str, Loss]:
    """A warm-up update on a side stream, as the capture recipe has it: lazy per-stream set-up
    (cuBLAS workspaces, autograd's stream bookkeeping) happens there, not in the capture."""
    side, main = torch.cuda.Stream(x.device), torch.cuda.current_stream(x.device)
    side.wait_stream(main)
    with torch.cuda.stream(side):
        losses = step(x, y)
    main.wait_stream(side)
    return losses


def _capture(step: Step, optimizers: dict, x: torch.Tensor, y: torch.Tensor):
    """Record `step` on static copies of x, y: (graph, the copies, its Loss outputs, lr entries)."""
    static = (x.clone(), y.clone())  # B×… images, B labels: refilled before each replay
    graph = torch.cuda.CUDAGraph()
    stream = torch.cuda.current_stream(x.device)
    with _capturable(optimizers) as lrs:
        for opt in optimizers.values():
            opt.zero_grad(set_to_none=True)  # the captured backward makes its grads in the graph's memory
        try:
            with torch.cuda.graph(graph):
                losses = step(*static)
        finally:
            torch.cuda.set_stream(stream)  # a failed capture may leave the capture stream current
    outputs = {name: Loss(loss.total.detach(), {k: v.detach() for k, v in loss.parts.items()})
               for name, loss in losses.items()}
    return graph, static, outputs, lrs


@contextmanager
def _capturable(optimizers: dict):
    """While capturing, each Adam/AdamW group is capturable and its rate a 0-d CUDA tensor that
    the graph reads (so a schedule's change reaches every replay); afterwards the groups are
    put back as eager had them. Yields [group, rate tensor, rate written] entries."""
    groups = [g for opt in optimizers.values() for g in opt.param_groups if "capturable" in g]
    saved = [(g["capturable"], g["lr"]) for g in groups]
    lrs = [[g, torch.tensor(float(g["lr"]), device=g["params"][0].device), g["lr"]] for g in groups]  # 0-d fp32
    _steps_to_device(optimizers)
    try:
        for g, rate, _ in lrs:
            g["capturable"], g["lr"] = True, rate
        yield lrs
    finally:
        for g, (capturable, lr) in zip(groups, saved):
            g["capturable"], g["lr"] = capturable, lr


def _steps_to_device(optimizers: dict) -> None:
    """Capturable Adam counts its steps on the parameters' device (fused Adam does already)."""
    for opt in optimizers.values():
        for param, state in opt.state.items():
            if torch.is_tensor(state.get("step")) and state["step"].device != param.device:
                state["step"] = state["step"].to(param.device)


def _first_line(exc: BaseException) -> str:
    """The first line of the error; of its cause where the capture's end failed because of it."""
    exc = exc.__context__ if isinstance(exc.__context__, Exception) else exc
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
