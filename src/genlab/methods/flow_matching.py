"""Flow matching / rectified flow (Lipman et al. 2023; Liu et al. 2023): a network learns the
velocity of straight paths from images to noise, and sampling integrates it back.

Convention (rectified flow's straight path, written with data at t = 0 and noise at t = 1,
as Esser et al. 2024 do): x_t = (1 − t)·x + t·ε with x the image in [−1, 1] and ε ~ N(0, I);
the velocity target is dx_t/dt = ε − x, the loss ‖v̂(x_t, t) − (ε − x)‖² averaged over
pixels. t is drawn uniformly from [0, 1), or from a logit-normal (sigmoid of N(0, 1), which
puts more training on the middle noise levels, where Esser et al. found it helps);
`time_sampling` says which. Sampling starts at t = 1 from ε and steps to t = 0 on an even
grid of `steps` intervals: Euler (one network call a step) or Heun (Euler, then the average
of the velocities at both ends: two calls a step, second-order accurate; its last step, to
t = 0, is an Euler step, as in Karras et al. 2022's Heun sampler: the velocity of a
finite data set is singular at t = 0, and one first-order step keeps the order).

Parts logged besides the loss: `mse_t0.00-0.25` … the loss within each quarter of t
(unbiased for either draw of t: each batch's sum in a quarter ÷ that quarter's probability).
The network, EMA, label dropout and guidance are NoiseToImage's (methods/diffusion.py).
"""
from __future__ import annotations

import math

import torch

from genlab.methods.base import Loss
from genlab.methods.diffusion import BANDS, NoiseToImage
from genlab.param_domains import FLOW_SAMPLERS, TIME_SAMPLING

SAMPLERS = FLOW_SAMPLERS


def band_probabilities(time_sampling: str) -> torch.Tensor:
    """P(t in each quarter of [0, 1)) under the training draw of t."""
    edges = [k / BANDS for k in range(BANDS + 1)]
    if time_sampling == "uniform":
        cdf = edges
    else:  # t = sigmoid(u), u ~ N(0, 1): P(t < e) = Φ(logit e)
        cdf = [0.0 if e <= 0 else 1.0 if e >= 1 else 0.5 * (1 + math.erf(math.log(e / (1 - e)) / math.sqrt(2)))
               for e in edges]
    return torch.tensor([hi - lo for lo, hi in zip(cdf, cdf[1:])], device="cpu")  # real values on a meta build too


class FlowMatching(NoiseToImage):
    """`net(x_t, t, labels)` predicts the velocity ε − x; t in [0, 1] reaches the net as 1,000·t."""

    def __init__(self, net, shape, classes: int | None = None, sample_steps: int = 50, sampler: str = "euler",
                 time_sampling: str = "uniform", ema_decay: float = 0.999, label_dropout: float = 0.1,
                 guidance: float = 1.0):
        if sampler not in SAMPLERS or time_sampling not in TIME_SAMPLING:
            raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)} and time_sampling one of "
                             f"{', '.join(TIME_SAMPLING)}, got {sampler!r} and {time_sampling!r}")
        if isinstance(sample_steps, bool) or not isinstance(sample_steps, int) or sample_steps < 1:
            raise ValueError(f"sample_steps must be a whole number >= 1, got {sample_steps!r}")
        super().__init__(net, shape, classes, sample_steps, ema_decay, label_dropout, guidance,
                         band_probabilities(time_sampling))
        self.sampler, self.time_sampling = sampler, time_sampling
        self.band_names = [f"mse_t{k / BANDS:.2f}-{(k + 1) / BANDS:.2f}" for k in range(BANDS)]

    def draw_time(self, n: int, device) -> torch.Tensor:
        """n times in [0, 1) from torch's default generator (checkpointed: resume is exact)."""
        if self.time_sampling == "uniform":
            return torch.rand(n, device=device)
        return torch.sigmoid(torch.randn(n, device=device))

    def loss(self, x, y, optimizer):
        x0 = x * 2 - 1  # B×C×H×W in [−1, 1]
        t = self.draw_time(len(x), x.device)  # B
        eps = torch.randn_like(x0)
        tb = t.view(-1, 1, 1, 1)
        xt = (1 - tb) * x0 + tb * eps  # the straight path
        pred = self.net(xt, t * 1000, self.training_labels(y)).float()
        per_image = (pred - (eps - x0)).pow(2).flatten(1).mean(1)  # B
        band = (t * BANDS).long().clamp(max=BANDS - 1)  # B quarters of t (0: least noise)
        return Loss(per_image.mean(), self.band_parts(per_image, band, self.band_names))

    def velocity(self, x, t: float, labels, guidance: float) -> torch.Tensor:
        """The EMA network's guided velocity at x (B×C×H×W) and time t."""
        return self.predict(x, torch.full((len(x),), t * 1000, device=x.device), labels, guidance).to(x.dtype)

    def integrate(self, x, labels, steps, guidance, generator, sampler: str | None = None) -> torch.Tensor:
        """From noise x at t = 1 to t = 0 in `steps` equal intervals (generator unused: the ODE is
        deterministic given its starting noise)."""
        sampler = self.sampler if sampler is None else sampler
        if sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
        times = [1 - k / steps for k in range(steps + 1)]  # 1 → 0, as Python floats (exact ends)
        for t, t_next in zip(times, times[1:]):
            h = t_next - t  # < 0: integrating backwards in t
            v = self.velocity(x, t, labels, guidance)
            if sampler == "euler" or t_next == 0:
                x = x + h * v
            else:
                v_next = self.velocity(x + h * v, t_next, labels, guidance)
                x = x + h * 0.5 * (v + v_next)
        return x

    def loss_sentence(self) -> str:
        draw = "uniformly from [0, 1]" if self.time_sampling == "uniform" else "from a logit-normal"
        cond = (f", the label replaced by a null label {self.label_dropout * 100:g} % of the time"
                if self.classes else "")
        return (f"mean squared error between the predicted and the true velocity ε − x on the straight "
                f"path x_t = (1 − t)·x + t·ε, t drawn {draw}{cond}")

    def traits(self) -> dict[str, str]:
        calls = 2 * self.sample_steps - 1 if self.sampler == "heun" else self.sample_steps
        return {**self._common_traits("velocity on straight paths (flow matching)", "MSE on the velocity ε − x"),
                "time draw": self.time_sampling.replace("_", "-"),
                "sampler": f"{self.sampler.capitalize()}, {self.sample_steps} steps ({calls} network calls)"}
