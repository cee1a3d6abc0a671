"""DDPM (Ho et al. 2020) with a cosine noise schedule (Nichol & Dhariwal 2021) and DDIM
sampling (Song et al. 2021); and `NoiseToImage`, what it shares with flow matching
(methods/flow_matching.py).

Images in [0, 1] become x in [−1, 1] inside. Training draws a step t uniformly from the T
steps and noise ε ~ N(0, I), makes x_t = √ᾱ_t·x + √(1 − ᾱ_t)·ε and minimises ‖ε̂(x_t, t) − ε‖²
averaged over pixels (the "simple" loss). ᾱ follows the cosine schedule with each β_t clipped
to 0.999, as Nichol & Dhariwal do, so the last steps stay finite. Sampling runs DDIM on an
evenly spaced subsequence of `steps` of the T steps from the EMA weights; η = 0 is the
deterministic DDIM, η = 1 DDPM's ancestral sampler (its per-step noise also comes from the
generator, so any η gives the same images for the same seed). Measured on Fashion-MNIST: a
model trained for a few CPU epochs gives clearly cleaner samples at η = 1 than at η = 0 (50
steps), as stochastic samplers forgive errors of the noise estimate; Song et al. found η = 0
best at 10–100 steps for fully trained models, hence the default. Each step's x̂₀ is clipped to [−1, 1] and ε̂ re-derived from it (the usual "clip denoised"): early
steps' x̂₀ = (x_t − √(1 − ᾱ)·ε̂)/√ᾱ divides by a tiny √ᾱ and would otherwise overshoot.

Parts logged besides the loss: `mse_t0-249` … (T = 1,000), the loss within each quarter of
the steps (unbiased: each batch's sum over a quarter ÷ that quarter's probability), from the
least noisy quarter to the noisiest.

Randomness in `loss` comes from torch's default generator, which the trainer checkpoints, so
a resumed run gives the same bits; `sample` takes an explicit torch.Generator.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from genlab.methods.base import Loss, Method
from genlab.methods.ema import EMA

BANDS = 4  # quarters of the noise levels, logged as parts
CHUNK = 256  # images integrated at once by `sample` (memory: activations of one chunk)


class NoiseToImage(Method):
    """A network that maps (x_t, t on a 0–1,000 scale, labels) to an image-shaped prediction,
    its EMA (what sampling uses), label dropout and classifier-free guidance (Ho & Salimans
    2022): with probability `label_dropout` a training label becomes the null label, and a
    guided prediction is uncond + guidance·(cond − uncond), so guidance 1 is the plain
    conditional prediction and 0 the unconditional one."""

    optimizers = ("model",)
    sampling = "prior"

    def __init__(self, net: nn.Module, shape, classes: int | None, sample_steps: int, ema_decay: float,
                 label_dropout: float, guidance: float, band_probs: torch.Tensor):
        super().__init__()
        self.net, self.ema = net, EMA(net, ema_decay)
        self.shape, self.classes = tuple(shape), classes
        self.sample_steps, self.label_dropout, self.guidance = sample_steps, float(label_dropout), float(guidance)
        if not 0 <= self.label_dropout < 1:
            raise ValueError(f"label_dropout must be in [0, 1), got {label_dropout!r}")
        self._check_guidance(self.guidance)
        # probability of each noise band under the training draw of t; not state: no checkpoint entry
        self.register_buffer("band_probs", band_probs.float(), persistent=False)

    def parameter_groups(self):
        return {"model": list(self.net.parameters())}  # the EMA copy is averaged, never optimised

    def after_step(self, optimizer: str) -> None:
        self.ema.update(self.net)

    def capabilities(self) -> frozenset[str]:
        return frozenset({"sample", "generate", "iterative"} | ({"conditional"} if self.classes else set()))

    def training_labels(self, y: torch.Tensor) -> torch.Tensor | None:
        """B labels with the null label (index `classes`) at rate label_dropout; None if unconditional.
        In evaluation too: the validation loss measures the objective training minimises."""
        if not self.classes:
            return None
        drop = torch.rand(len(y), device=y.device) < self.label_dropout  # default generator: resumable
        return torch.where(drop, torch.full_like(y, self.classes), y)

    def band_parts(self, per_image: torch.Tensor, band: torch.Tensor, names: list[str]) -> dict[str, torch.Tensor]:
        """{name: the mean loss within band k} from B losses and their B band indices: each batch's
        sum in the band ÷ (B·P(band)), unbiased however few of a batch land in a band (no host
        sync, no empty-band case)."""
        # B×BANDS membership by comparison: F.one_hot would check its input's range on the host
        member = band[:, None] == torch.arange(BANDS, device=band.device)
        sums = (per_image.detach()[:, None] * member).sum(0)  # BANDS
        means = sums / (len(per_image) * self.band_probs)
        return dict(zip(names, means.unbind()))

    def predict(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None, guidance: float) -> torch.Tensor:
        """The EMA network's guided prediction: B×C×H×W from x_t (B×C×H×W) and t (B)."""
        net = self.ema.average
        if not self._guided(labels, guidance):
            return net(x, t, None if guidance == 0 else labels)
        null = torch.full_like(labels, self.classes)
        cond, uncond = net(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null])).chunk(2)  # one batch
        return uncond + guidance * (cond - uncond)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, steps: int | None = None,
               labels: torch.Tensor | None = None, guidance: float | None = None, **options) -> torch.Tensor:
        """n×C×H×W in [0, 1] from the EMA weights. The starting noise (and labels, drawn uniformly
        when a conditional model gets none) come from `generator`, on the CPU when it is None or
        a CPU generator, so the same seed gives the same images on any device."""
        steps = self.sample_steps if steps is None else steps
        guidance = self.guidance if guidance is None else float(guidance)
        self._check_sampling(n, steps, guidance)
        device, where = self.band_probs.device, generator.device if generator is not None else "cpu"
        noise = torch.randn(n, *self.shape, generator=generator, device=where).to(device)  # n×C×H×W
        labels = self._sample_labels(n, labels, generator, where)
        labels = labels.to(device) if labels is not None else None
        # a guided step runs the network on the chunk twice over (with and without labels): half
        # the chunk keeps the batch the network sees at CHUNK (512 images ran 20 % slower per image)
        size = CHUNK // 2 if self._guided(labels, guidance) else CHUNK
        chunks = [self.integrate(noise[i:i + size], None if labels is None else labels[i:i + size], steps,
                                 guidance, generator, **options) for i in range(0, n, size)]
        out = torch.cat(chunks) if chunks else noise
        return ((out + 1) / 2).clamp(0, 1)  # [−1, 1] → [0, 1]

    @staticmethod
    def _guided(labels, guidance: float) -> bool:
        """Whether a step mixes two predictions (with and without labels): guidance 1 is the plain
        conditional one, 0 the unconditional one, and an unlabelled draw has only one."""
        return labels is not None and guidance not in (0, 1)

    def integrate(self, x, labels, steps, guidance, generator, **options) -> torch.Tensor:
        """From noise x (B×C×H×W) to images in [−1, 1] (unclipped), in `steps` steps."""
        raise NotImplementedError

    def _sample_labels(self, n, labels, generator, where) -> torch.Tensor | None:
        if labels is None:
            return torch.randint(0, self.classes, (n,), generator=generator, device=where) if self.classes else None
        if not self.classes:
            raise ValueError("labels given, but this model is not class-conditional (conditional=false)")
        labels = torch.as_tensor(labels, dtype=torch.long)
        if labels.shape != (n,) or bool(((labels < 0) | (labels >= self.classes)).any()):
            raise ValueError(f"labels must be {n} class indices from 0 to {self.classes - 1}")
        return labels

    def _check_sampling(self, n, steps, guidance) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a whole number >= 0, got {n!r}")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be a whole number >= 1, got {steps!r}")
        self._check_guidance(guidance)

    def _check_guidance(self, guidance: float) -> None:
        if not 0 <= guidance <= 100:
            raise ValueError(f"guidance must be a number from 0 to 100, got {guidance!r}")
        if guidance != 1 and self.classes and self.label_dropout == 0:
            raise ValueError("guidance other than 1 needs label_dropout > 0: the null label it uses was never trained")

    def _common_traits(self, objective: str, loss: str) -> dict[str, str]:
        return {"objective": objective, "noise in training": "yes: images noised to a random level", "loss": loss,
                "latent space": "noise of the image's shape", "EMA decay": f"{self.ema.decay:g}",
                "conditioning": self._guidance_words()}

    def _guidance_words(self) -> str:
        if not self.classes:
            return "unconditional"
        return f"class-conditional, labels dropped {self.label_dropout * 100:g} %, guidance {self.guidance:g}"


def cosine_alpha_bar(timesteps: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """ᾱ for steps 1..T (index 0..T−1): f(t)/f(0) with f(t) = cos²((t/T + s)/(1 + s)·π/2), made
    from β_t = 1 − f(t)/f(t−1) clipped to max_beta (only the last step, where f(T) = 0, reaches it)."""
    # on the CPU explicitly: a model built on the meta device (genlab's preflight) still gets real values
    f = torch.cos((torch.arange(timesteps + 1, dtype=torch.float64, device="cpu") / timesteps + s) / (1 + s)
                  * math.pi / 2) ** 2
    betas = (1 - f[1:] / f[:-1]).clamp(max=max_beta)
    return torch.cumprod(1 - betas, dim=0).float()  # T


class DDPM(NoiseToImage):
    """`net(x_t, t, labels)` predicts ε; t is the step index scaled to 0–1,000."""

    def __init__(self, net: nn.Module, shape, classes: int | None = None, timesteps: int = 1000,
                 sample_steps: int = 50, eta: float = 0.0, ema_decay: float = 0.999,
                 label_dropout: float = 0.1, guidance: float = 1.0):
        if isinstance(timesteps, bool) or not isinstance(timesteps, int) or timesteps < BANDS:
            raise ValueError(f"timesteps must be a whole number >= {BANDS}, got {timesteps!r}")
        if isinstance(sample_steps, bool) or not isinstance(sample_steps, int) or not 1 <= sample_steps <= timesteps:
            raise ValueError(f"sample_steps must be a whole number from 1 to timesteps ({timesteps}), "
                             f"got {sample_steps!r}")
        band = self._band_of(torch.arange(timesteps, device="cpu"), timesteps)  # T: the band of every step
        super().__init__(net, shape, classes, sample_steps, ema_decay, label_dropout, guidance,
                         torch.bincount(band, minlength=BANDS) / timesteps)
        if not 0 <= eta <= 1:
            raise ValueError(f"eta must be a number from 0 to 1, got {eta!r}")
        self.timesteps, self.eta = timesteps, float(eta)
        self.register_buffer("alpha_bar", cosine_alpha_bar(timesteps), persistent=False)  # T, from settings
        steps = torch.arange(timesteps, device="cpu")
        self.band_names = [f"mse_t{int(steps[band == k].min())}-{int(steps[band == k].max())}" for k in range(BANDS)]

    @staticmethod
    def _band_of(t: torch.Tensor, timesteps: int) -> torch.Tensor:
        return (t * BANDS) // timesteps  # B bands in 0..BANDS−1: quarters of the steps (0: least noise)

    def loss(self, x, y, optimizer):
        x0 = x * 2 - 1  # B×C×H×W in [−1, 1]
        t = torch.randint(0, self.timesteps, (len(x),), device=x.device)  # B step indices
        eps = torch.randn_like(x0)
        ab = self.alpha_bar[t].view(-1, 1, 1, 1)  # B×1×1×1
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
        pred = self.net(xt, self._net_time(t), self.training_labels(y)).float()
        per_image = (pred - eps).pow(2).flatten(1).mean(1)  # B
        return Loss(per_image.mean(), self.band_parts(per_image, self._band_of(t, self.timesteps), self.band_names))

    def _net_time(self, t: torch.Tensor) -> torch.Tensor:
        return t.float() * (1000 / self.timesteps)  # the U-Net's embedding expects 0–1,000

    def integrate(self, x, labels, steps, guidance, generator, eta: float | None = None) -> torch.Tensor:
        """DDIM from x_T = x over `steps` evenly spaced steps of T, down to x̂₀."""
        eta = self.eta if eta is None else float(eta)
        if not 0 <= eta <= 1 or steps > self.timesteps:
            raise ValueError(f"eta must be in [0, 1] and steps at most timesteps ({self.timesteps}), "
                             f"got eta={eta!r}, steps={steps!r}")
        seq = torch.linspace(self.timesteps - 1, 0, steps, device="cpu").round().long().tolist()
        for k, i in enumerate(seq):
            ab = self.alpha_bar[i]
            ab_prev = self.alpha_bar[seq[k + 1]] if k + 1 < len(seq) else torch.ones_like(ab)  # ᾱ at "t = 0" is 1
            t = torch.full((len(x),), i, device=x.device)
            eps = self.predict(x, self._net_time(t), labels, guidance).to(x.dtype)  # a bfloat16 net: x's dtype
            x0 = ((x - (1 - ab).sqrt() * eps) / ab.sqrt()).clamp(-1, 1)
            eps = (x - ab.sqrt() * x0) / (1 - ab).sqrt()  # the noise consistent with the clipped x̂₀
            sigma = eta * ((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev)).sqrt()
            x = ab_prev.sqrt() * x0 + (1 - ab_prev - sigma ** 2).clamp(min=0).sqrt() * eps
            if eta > 0 and k + 1 < len(seq):
                x = x + sigma * torch.randn(x.shape, generator=generator,
                                            device=generator.device if generator else "cpu").to(x.device)
        return x

    def loss_sentence(self) -> str:
        cond = (f", the label replaced by a null label {self.label_dropout * 100:g} % of the time"
                if self.classes else "")
        return (f"mean squared error between the predicted and the true noise ε at a step t drawn "
                f"uniformly from {self.timesteps:,} (cosine schedule){cond}")

    def traits(self) -> dict[str, str]:
        return {**self._common_traits("ε-prediction (DDPM)", "MSE on the noise ε"),
                "schedule": f"cosine, T = {self.timesteps:,}",
                "sampler": f"DDIM, {self.sample_steps} steps, η = {self.eta:g}"}
