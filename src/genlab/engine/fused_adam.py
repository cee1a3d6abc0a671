"""Adam and AdamW whose step calls the fused kernel directly.

`torch.optim.Adam(fused=True)` spends most of a small model's optimiser step in Python:
per step it regroups every parameter by device and dtype, rebuilds the lists of its state
tensors and checks its flags before one kernel does the arithmetic. For the report's
AE-64 (101k parameters, batch 32) that was 80 µs of a 520 µs training step on 2 cores,
against 46 µs for the same kernel called directly (benchmarks/README.md).

`FusedAdam` is torch's Adam — same constructor, state_dict, checkpoints, schedulers and
hooks — that, once every parameter has its state, keeps those lists and calls the same
kernel (`torch._fused_adam_`, or `_fused_adamw_`) itself: the same numbers bit for bit
(tests/test_fused_adam.py). A group's step counts (one 0-d tensor per parameter, as torch
keeps them) become views of one vector, so counting a step is one add instead of one per
parameter. Anything off that path — a closure, a parameter without a gradient, amsgrad, a
state just loaded — goes through torch's own step.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

_PLAIN = {"amsgrad": False, "maximize": False, "capturable": False, "differentiable": False, "fused": True}


@dataclass
class _Group:
    """One param group's tensors, in the order torch's fused step passes them."""

    params: list[torch.Tensor]
    exp_avgs: list[torch.Tensor]
    exp_avg_sqs: list[torch.Tensor]
    steps: list[torch.Tensor]  # one 0-d float tensor per parameter, as torch keeps them: views of `counts`
    counts: torch.Tensor  # P: every parameter's step count, counted with one add


class _DirectStep:
    """Mixed into torch's Adam/AdamW: the fused kernel called without the per-step Python."""

    def __init__(self, params, **kwargs):
        super().__init__(params, fused=True, **kwargs)
        self._groups: list[_Group] | None = None
        self.register_load_state_dict_post_hook(_forget_groups)  # the state tensors were replaced

    @torch.no_grad()
    def step(self, closure=None):
        grads = self._direct_grads() if closure is None else None
        if grads is None:
            loss = super().step(closure)
            self._groups = self._collect()  # None until every parameter has its state
            return loss
        for group, lists, g in zip(self.param_groups, self._groups, grads):
            kernel = torch._fused_adamw_ if group.get("decoupled_weight_decay") else torch._fused_adam_
            beta1, beta2 = group["betas"]
            lists.counts.add_(1)  # every parameter's state["step"], a view of it
            kernel(lists.params, g, lists.exp_avgs, lists.exp_avg_sqs, [], lists.steps, lr=group["lr"],
                   beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"], eps=group["eps"],
                   amsgrad=False, maximize=False)
        return None

    def zero_grad(self, set_to_none: bool = True) -> None:
        if not set_to_none or self._groups is None:
            return super().zero_grad(set_to_none)
        for lists in self._groups:
            for p in lists.params:
                p.grad = None

    def _direct_grads(self) -> list[list[torch.Tensor]] | None:
        """Each group's gradients, or None where the direct path does not apply."""
        if self._groups is None or not all(_plain(group) for group in self.param_groups):
            return None  # e.g. the CUDA-graph step makes groups capturable, with a tensor rate, to capture them
        grads = [[p.grad for p in lists.params] for lists in self._groups]
        if any(g is None or g.is_sparse for gs in grads for g in gs):
            return None
        return grads

    def _collect(self) -> list[_Group] | None:
        """The direct path's lists, if every group is plain (no amsgrad, …), every parameter
        has state, and a group's tensors share one device and dtype (one kernel call)."""
        groups = []
        for group in self.param_groups:
            params = group["params"]
            if not _plain(group) or not params or any(p not in self.state or "exp_avg" not in self.state[p] for p in params):
                return None
            if len({(p.device, p.dtype) for p in params}) > 1 or any(p.is_complex() for p in params):
                return None
            states = [self.state[p] for p in params]
            counts = torch.stack([s["step"] for s in states])  # P
            for i, state in enumerate(states):
                state["step"] = counts[i]  # 0-d view: torch's own step and state_dict see a tensor per parameter
            groups.append(_Group(list(params), [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states],
                                 [s["step"] for s in states], counts))
        return groups


def _plain(group: dict) -> bool:
    """A group the direct call serves: no amsgrad, maximize, capturable or differentiable; a float rate."""
    return all(group.get(k, v) == v for k, v in _PLAIN.items()) and not torch.is_tensor(group["lr"])


def _forget_groups(optimizer) -> None:
    optimizer._groups = None


class FusedAdam(_DirectStep, torch.optim.Adam):
    pass


class FusedAdamW(_DirectStep, torch.optim.AdamW):
    pass
