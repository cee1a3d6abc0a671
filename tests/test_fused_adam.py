"""genlab's FusedAdam(W): torch's fused Adam(W) to the bit, without its per-step Python."""
from __future__ import annotations

import copy
import io

import pytest
import torch
from torch import nn

from genlab.engine.fused_adam import FusedAdam, FusedAdamW


def _net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 20), nn.Sigmoid())


def _train(net: nn.Module, opt, steps: int, schedule=None, seed: int = 1) -> list[float]:
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(steps):
        x = torch.rand(8, 20, generator=gen)
        loss = (net(x) - x).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if schedule is not None:
            schedule.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("ours,theirs,kwargs", [
    (FusedAdam, torch.optim.Adam, {}),
    (FusedAdam, torch.optim.Adam, {"weight_decay": 0.01, "betas": (0.5, 0.9)}),
    (FusedAdamW, torch.optim.AdamW, {"weight_decay": 0.05}),
])
def test_same_bits_as_torch_fused(ours, theirs, kwargs):
    a, b = _net(), _net()
    opt_a, opt_b = ours(a.parameters(), lr=3e-3, **kwargs), theirs(b.parameters(), lr=3e-3, fused=True, **kwargs)
    sched_a = torch.optim.lr_scheduler.LambdaLR(opt_a, lambda s: 1 / (1 + s))
    sched_b = torch.optim.lr_scheduler.LambdaLR(opt_b, lambda s: 1 / (1 + s))
    assert _train(a, opt_a, 30, sched_a) == _train(b, opt_b, 30, sched_b)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert opt_a._groups is not None  # the direct path was taken after the first step


def test_takes_the_direct_path_and_it_is_the_same_kernel(monkeypatch):
    net = _net()
    opt = FusedAdam(net.parameters(), lr=1e-3)
    _train(net, opt, 1)  # torch's step: creates the state
    calls = []
    monkeypatch.setattr(torch.optim.Adam, "step", lambda *a, **k: calls.append("torch"))
    _train(net, opt, 3)
    assert calls == []  # no step went through torch's Python


def test_state_dict_round_trip_and_resume_match_an_unbroken_run():
    a = _net()
    opt_a = FusedAdam(a.parameters(), lr=1e-2)
    _train(a, opt_a, 10)
    saved_net, saved_opt = copy.deepcopy(a.state_dict()), copy.deepcopy(opt_a.state_dict())
    _train(a, opt_a, 10, seed=2)
    b = _net(seed=9)
    b.load_state_dict(saved_net)
    opt_b = FusedAdam(b.parameters(), lr=1e-2)
    opt_b.load_state_dict(saved_opt)  # the cached lists must follow the loaded state
    _train(b, opt_b, 10, seed=2)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_loaded_state_replaces_the_cached_lists():
    net = _net()
    opt = FusedAdam(net.parameters(), lr=1e-2)
    _train(net, opt, 2)
    state = opt.state_dict()
    opt.load_state_dict(state)
    assert opt._groups is None  # rebuilt from the new tensors at the next step
    _train(net, opt, 2)
    first = net[0].weight
    assert opt._groups[0].exp_avgs[0] is opt.state[first]["exp_avg"]


def test_a_parameter_without_a_gradient_goes_through_torch():
    net = _net()
    frozen = nn.Parameter(torch.ones(3))
    opt = FusedAdam([*net.parameters(), frozen], lr=1e-2)
    _train(net, opt, 3)  # `frozen` never gets a gradient: torch's step skips it every time
    assert opt._groups is None and torch.equal(frozen, torch.ones(3))


def test_closure_and_amsgrad_use_torch():
    net = _net()
    opt = FusedAdam(net.parameters(), lr=1e-2, amsgrad=True)
    _train(net, opt, 3)
    assert opt._groups is None  # amsgrad: not the direct path
    x = torch.rand(4, 20)

    def closure():
        opt.zero_grad()
        loss = (net(x) - x).pow(2).mean()
        loss.backward()
        return loss
    assert opt.step(closure) is not None


def test_a_group_made_capturable_after_caching_goes_through_torch(monkeypatch):
    """engine/cuda_graph.py makes groups capturable with a tensor rate while it captures a step."""
    net = _net()
    opt = FusedAdam(net.parameters(), lr=1e-3)
    _train(net, opt, 2)  # the direct path's lists are cached now
    group = opt.param_groups[0]
    group["capturable"], group["lr"] = True, torch.tensor(1e-3)
    calls = []
    monkeypatch.setattr(torch.optim.Adam, "step", lambda *a, **k: calls.append("torch"))
    _train(net, opt, 1)
    assert calls == ["torch"]


def test_step_counts_stay_per_parameter_through_skips_and_torch_save():
    """The counts are views of one vector: a parameter torch's step skips keeps its own count,
    and a checkpoint written with torch.save resumes to the same bits."""
    a, b = _net(), _net()
    opt_a, opt_b = FusedAdam(a.parameters(), lr=1e-2), torch.optim.Adam(b.parameters(), lr=1e-2, fused=True)
    x = torch.rand(8, 20)
    for net, opt in ((a, opt_a), (b, opt_b)):
        _train(net, opt, 3)
        loss = net(x).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        net[2].bias.grad = None  # this step skips one parameter
        opt.step()
        _train(net, opt, 3)
    steps = [float(opt_a.state[p]["step"]) for p in a.parameters()]
    assert steps == [float(opt_b.state[p]["step"]) for p in b.parameters()] == [7, 7, 7, 6]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    buffer = io.BytesIO()
    torch.save({"net": a.state_dict(), "opt": opt_a.state_dict()}, buffer)
    _train(a, opt_a, 5, seed=3)
    buffer.seek(0)
    saved = torch.load(buffer)
    c = _net(seed=9)
    c.load_state_dict(saved["net"])
    opt_c = FusedAdam(c.parameters(), lr=1e-2)
    opt_c.load_state_dict(saved["opt"])
    _train(c, opt_c, 5, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))
    assert [float(opt_c.state[p]["step"]) for p in c.parameters()] == [12, 12, 12, 11]
