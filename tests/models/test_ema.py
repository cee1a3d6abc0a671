"""The EMA of a network's weights (methods/ema.py): the update and its decay warm-up against a
hand computation, what it copies and what it never trains, and that its state (average and
update count) travels in the state_dict, so a restored EMA continues the same bits."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from genlab.methods.ema import EMA


class Scalar(nn.Module):
    """One weight and one buffer: the average is easy to follow by hand."""

    def __init__(self, value: float = 0.0):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([value]))
        self.register_buffer("count", torch.tensor([0.0]))
        self.drop = nn.Dropout(0.5)


def step_to(net: Scalar, value: float) -> None:
    with torch.no_grad():
        net.w.fill_(value)
        net.count.add_(1)


def test_update_follows_the_warmed_up_decay_by_hand():
    net = Scalar(0.0)
    ema = EMA(net, decay=0.5)
    expected = 0.0
    for n, value in enumerate([1.0, 2.0, 4.0, 8.0, 16.0, 32.0]):
        step_to(net, value)
        d = min(0.5, (1 + n) / (10 + n))  # warm-up: 0.1, 0.18, 0.25, 0.31, 0.36, 0.4 … then 0.5
        expected = d * expected + (1 - d) * value
        ema.update(net)
        assert ema.average.w.item() == pytest.approx(expected, rel=1e-6)
    assert ema.updates.item() == 6


def test_full_decay_is_reached_and_never_exceeded():
    ema = EMA(Scalar(), decay=0.9)
    assert ema.current_decay().item() == pytest.approx(0.1)  # the first update: mostly the network
    ema.updates.fill_(1000)
    assert ema.current_decay().item() == pytest.approx(0.9)
    assert EMA(Scalar(), decay=0.0).current_decay().item() == 0.0  # decay 0: the average is the network


def test_buffers_are_copied_not_averaged_and_the_average_never_trains():
    net = Scalar(3.0)
    ema = EMA(net, decay=0.99)
    for _ in range(3):
        step_to(net, 3.0)
        ema.update(net)
    assert ema.average.count.item() == 3.0
    assert not any(p.requires_grad for p in ema.average.parameters())
    assert net.w.requires_grad  # the network itself is untouched by the copy
    ema.train()
    assert ema.training and not ema.average.training  # sampling never sees dropout


def test_state_dict_carries_the_average_and_the_count():
    net, other = Scalar(0.0), Scalar(0.0)
    ema, restored = EMA(net, 0.9), EMA(other, 0.9)
    for value in (1.0, 5.0):
        step_to(net, value)
        ema.update(net)
    assert set(ema.state_dict()) == {"average.w", "average.count", "updates"}
    restored.load_state_dict(ema.state_dict())
    step_to(net, 7.0)
    ema.update(net)
    restored.update(net)
    assert torch.equal(ema.average.w, restored.average.w) and restored.updates.item() == 3


@pytest.mark.parametrize("decay", [1.0, -0.1, 1.5, "0.9", True, None])
def test_bad_decay_is_refused(decay):
    with pytest.raises(ValueError, match="ema_decay must be a number in \\[0, 1\\)"):
        EMA(Scalar(), decay)
