"""genlab's own models: a builder and the allowed values of its params for each registry key.

Builders take the data's `shape` (C, H, W) and `classes` from genlab (genlab.registry) and
import their networks when called: importing this module (to check a study file's params)
must not cost torch's import. Adding a model of genlab's own = a network file in
genlab/nn/ (and a method in genlab/methods/ if it optimises something new) + one builder
and one BUILTIN entry here + its entry in a study file.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from genlab import param_domains as d
from genlab.model_entry import ModelEntry

if TYPE_CHECKING:
    from genlab.methods.base import Method

Shape = tuple[int, int, int]


def dense_ae(*, shape: Shape, classes: int | None = None, latent_dim: int = 64, hidden: list[int] = (),
             latent_act: str = "relu") -> Method:
    """Report 000's AE: pixels → latent (ReLU) → pixels (sigmoid); `hidden` adds layers both sides."""
    from genlab.methods.autoencoders import Autoencoder
    from genlab.nn.dense import DenseDecoder, DenseEncoder

    hidden = list(hidden)
    return Autoencoder(DenseEncoder(shape, latent_dim, hidden, out_act=latent_act),
                       DenseDecoder(shape, latent_dim, hidden[::-1]), latent_dim)


def dense_dae(*, shape: Shape, classes: int | None = None, latent_dim: int = 64, hidden: list[int] = (),
              latent_act: str = "relu", noise_factor: float = 0.5) -> Method:
    from genlab.methods.autoencoders import DenoisingAutoencoder
    from genlab.nn.dense import DenseDecoder, DenseEncoder

    hidden = list(hidden)
    return DenoisingAutoencoder(DenseEncoder(shape, latent_dim, hidden, out_act=latent_act),
                                DenseDecoder(shape, latent_dim, hidden[::-1]), latent_dim, noise_factor)


def dense_vae(*, shape: Shape, classes: int | None = None, latent_dim: int = 64, hidden: list[int] = (512,),
              reconstruction: str = "bce", beta: float = 1.0) -> Method:
    from genlab.methods.autoencoders import VariationalAutoencoder
    from genlab.nn.dense import DenseDecoder, DenseEncoder

    hidden = list(hidden)
    return VariationalAutoencoder(DenseEncoder(shape, hidden[-1], hidden[:-1], out_act="relu"),
                                  DenseDecoder(shape, latent_dim, hidden[::-1]), hidden[-1], latent_dim,
                                  reconstruction, beta)


def dense_gan(*, shape: Shape, classes: int | None = None, latent_dim: int = 64, prior: str = "normal",
              g_hidden: list[int] = (256, 512, 1024), d_hidden: list[int] = (512, 256)) -> Method:
    from genlab.methods.gan import GAN
    from genlab.nn.dense import DenseDecoder, DenseDiscriminator

    generator = DenseDecoder(shape, latent_dim, list(g_hidden), out_act="tanh", hidden_act="leaky_relu")
    return GAN(generator, DenseDiscriminator(shape, list(d_hidden)), latent_dim, prior)


def conv_ae(*, shape: Shape, classes: int | None = None, bottleneck_act: str = "relu", upsample: str = "bilinear",
            norm: str = "none", act: str = "relu") -> Method:
    """Report 004's table 1: conv encoder to a 128×3×3 bottleneck at 28×28 (codes: 1152-d), conv decoder, MSE."""
    from genlab.methods.autoencoders import Autoencoder

    encoder, decoder = _conv_ae_networks(shape, bottleneck_act, upsample, norm, act)
    return Autoencoder(encoder, decoder, _numel(encoder.out_shape))


def conv_dae(*, shape: Shape, classes: int | None = None, noise_factor: float = 0.5, bottleneck_act: str = "relu",
             upsample: str = "bilinear", norm: str = "none", act: str = "relu") -> Method:
    """Table 1's networks trained on x + noise_factor·N(0, 1) (unclipped) to give back x."""
    from genlab.methods.autoencoders import DenoisingAutoencoder

    encoder, decoder = _conv_ae_networks(shape, bottleneck_act, upsample, norm, act)
    return DenoisingAutoencoder(encoder, decoder, _numel(encoder.out_shape), noise_factor)


def _conv_ae_networks(shape: Shape, bottleneck_act: str, upsample: str, norm: str, act: str):
    from genlab.nn.conv import ConvAEDecoder, ConvAEEncoder

    encoder = ConvAEEncoder(shape, bottleneck_act, norm, act)
    return encoder, ConvAEDecoder(shape, encoder.out_shape, upsample, norm, act)


def conv_vae(*, shape: Shape, classes: int | None = None, latent_dim: int = 20, reconstruction: str = "mse",
             beta: float = 1.0) -> Method:
    """Report 004's table 2: three convs → features → (μ, log σ²) → z → linear + three transposed convs."""
    from genlab.methods.autoencoders import VariationalAutoencoder
    from genlab.nn.conv import ConvVAEDecoder, ConvVAEEncoder

    encoder = ConvVAEEncoder(shape)
    return VariationalAutoencoder(encoder, ConvVAEDecoder(shape, latent_dim), encoder.out_dim, latent_dim,
                                  reconstruction, beta)


def dcgan(*, shape: Shape, classes: int | None = None, latent_dim: int = 64, prior: str = "normal",
          width: int = 64) -> Method:
    """A DCGAN (convolutional generator and discriminator, non-saturating loss); image sides multiples of 4."""
    from genlab.methods.gan import GAN
    from genlab.nn.dcgan import DCGANDiscriminator, DCGANGenerator

    return GAN(DCGANGenerator(shape, latent_dim, width), DCGANDiscriminator(shape, width), latent_dim, prior)


def wgan_gp(*, shape: Shape, classes: int | None = None, latent_dim: int = 64, prior: str = "normal",
            width: int = 64, critic_norm: str = "layer", gp_weight: float = 10.0) -> Method:
    """WGAN-GP: the DCGAN generator, a critic without BatchNorm, gradient penalty weight λ
    (critic steps per generator step: the study file's `train.steps: {critic: N}`)."""
    from genlab.methods.wgan_gp import WGANGP
    from genlab.nn.dcgan import DCGANGenerator
    from genlab.nn.wgan_critic import WGANCritic

    return WGANGP(DCGANGenerator(shape, latent_dim, width), WGANCritic(shape, width, critic_norm), latent_dim, prior,
                  gp_weight)


def conv_vae_gen(*, shape: Shape, classes: int | None = None, latent_dim: int = 32, width: int = 32,
                 reconstruction: str = "bce", beta: float = 1.0) -> Method:
    """A conv VAE for generation: DCGAN-shaped encoder, the DCGAN generator as decoder;
    loss = per-image reconstruction + beta·KL (beta > 1: a β-VAE)."""
    from genlab.methods.autoencoders import VariationalAutoencoder
    from genlab.nn.conv_vae_gen import ConvGenDecoder, ConvGenEncoder

    encoder = ConvGenEncoder(shape, width)
    return VariationalAutoencoder(encoder, ConvGenDecoder(shape, latent_dim, width), encoder.out_dim, latent_dim,
                                  reconstruction, beta)


def ddpm(*, shape: Shape, classes: int | None = None, width: int = 32, levels: int = 2, blocks: int = 1,
         attention: bool = True, dropout: float = 0.0, timesteps: int = 1000, sample_steps: int = 50, eta: float = 0.0,
         ema_decay: float = 0.999, conditional: bool = False, label_dropout: float = 0.1,
         guidance: float = 1.0) -> Method:
    """A DDPM (ε-prediction, cosine schedule, DDIM sampling) on a U-Net for the data's image shape;
    `conditional` adds classifier-free guidance."""
    from genlab.methods.diffusion import DDPM
    from genlab.nn.unet import UNet

    count = _class_count(classes, conditional)
    net = UNet(shape, width, levels, blocks, attention, count, dropout)
    return DDPM(net, shape, count, timesteps, sample_steps, eta, ema_decay, label_dropout, guidance)


def flow_matching(*, shape: Shape, classes: int | None = None, width: int = 32, levels: int = 2, blocks: int = 1,
                  attention: bool = True, dropout: float = 0.0, sample_steps: int = 50, sampler: str = "euler",
                  time_sampling: str = "uniform", ema_decay: float = 0.999, conditional: bool = False,
                  label_dropout: float = 0.1, guidance: float = 1.0) -> Method:
    """Flow matching (velocity on straight paths, Euler or Heun sampling) on a U-Net for the data's
    image shape; `conditional` adds classifier-free guidance."""
    from genlab.methods.flow_matching import FlowMatching
    from genlab.nn.unet import UNet

    count = _class_count(classes, conditional)
    net = UNet(shape, width, levels, blocks, attention, count, dropout)
    return FlowMatching(net, shape, count, sample_steps, sampler, time_sampling, ema_decay, label_dropout, guidance)


def cdcgan(*, shape: Shape, classes: int | None = None, latent_dim: int = 64, prior: str = "normal",
           width: int = 64) -> Method:
    """A class-conditional DCGAN: the label appended to z, a projection discriminator (Miyato & Koyama 2018)."""
    from genlab.methods.conditional import ConditionalGAN
    from genlab.nn.conditional import LabelledGenerator, ProjectionDiscriminator

    count = _class_count(classes, True)
    return ConditionalGAN(LabelledGenerator(shape, latent_dim, count, width), ProjectionDiscriminator(shape, count, width),
                          latent_dim, count, prior)


def cvae(*, shape: Shape, classes: int | None = None, latent_dim: int = 32, width: int = 32,
         reconstruction: str = "bce", beta: float = 1.0) -> Method:
    """A class-conditional VAE (Sohn et al. 2015) on the conv VAE for generation's networks."""
    from genlab.methods.conditional import ConditionalVAE
    from genlab.nn.conditional import LabelledDecoder
    from genlab.nn.conv_vae_gen import ConvGenEncoder

    count = _class_count(classes, True)
    encoder = ConvGenEncoder(shape, width)
    return ConditionalVAE(encoder, LabelledDecoder(shape, latent_dim, count, width), encoder.out_dim, latent_dim, count,
                          reconstruction, beta)


def _class_count(classes: int | None, conditional: bool) -> int | None:
    """The number of classes to condition on (None: unconditional)."""
    if not conditional:
        return None
    if not classes:
        raise ValueError("a class-conditional model needs a dataset with class labels; this one has none")
    return classes


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for size in shape:
        n *= size
    return n


_DENSE_AE = {"latent_dim": d.width, "hidden": d.widths, "latent_act": d.choice(*d.DENSE_ACTIVATIONS)}
_VAE = {"latent_dim": d.width, "reconstruction": d.choice(*d.RECONSTRUCTIONS), "beta": d.number(0, 1000)}
_CONV_AE = {"bottleneck_act": d.choice("relu", "none"), "upsample": d.choice(*d.UPSAMPLE_MODES),
            "norm": d.choice(*d.NORMS), "act": d.choice(*d.CONV_ACTIVATIONS)}
_GAN = {"latent_dim": d.width, "prior": d.choice(*d.PRIORS)}
NOISE = d.number(0, 10)
_UNET = {"width": d.width, "levels": d.integer(1, 6), "blocks": d.integer(1, 8), "attention": d.flag,
         "dropout": d.number(0, 0.9)}
_GUIDED = {"ema_decay": d.number(0, 0.99999), "conditional": d.flag, "label_dropout": d.number(0, 0.99),
           "guidance": d.number(0, 100), "sample_steps": d.integer(1, 100_000)}

BUILTIN: dict[str, ModelEntry] = {
    "dense_ae": ModelEntry(dense_ae, _DENSE_AE, "dense autoencoder (Freitas & Rodrigues, 2023)"),
    "dense_dae": ModelEntry(dense_dae, {**_DENSE_AE, "noise_factor": NOISE}, "dense denoising autoencoder"),
    "dense_vae": ModelEntry(dense_vae, {**_VAE, "hidden": d.nonempty_widths}, "dense VAE (Freitas & Rodrigues, 2023)"),
    "dense_gan": ModelEntry(dense_gan, {**_GAN, "g_hidden": d.widths, "d_hidden": d.widths},
                            "dense GAN, non-saturating loss (Freitas & Rodrigues, 2023)"),
    "conv_ae": ModelEntry(conv_ae, _CONV_AE, "convolutional autoencoder (Bastos & Cordeiro, 2024, table 1)"),
    "conv_dae": ModelEntry(conv_dae, {**_CONV_AE, "noise_factor": NOISE}, "convolutional denoising autoencoder"),
    "conv_vae": ModelEntry(conv_vae, _VAE, "convolutional VAE (Bastos & Cordeiro, 2024, table 2)"),
    "dcgan": ModelEntry(dcgan, {**_GAN, "width": d.width}, "DCGAN (Radford et al. 2016)"),
    "wgan_gp": ModelEntry(wgan_gp, {**_GAN, "width": d.width, "critic_norm": d.choice(*d.CRITIC_NORMS),
                                    "gp_weight": d.number(0, 1000)}, "WGAN-GP (Gulrajani et al. 2017)"),
    "conv_vae_gen": ModelEntry(conv_vae_gen, {**_VAE, "width": d.width}, "convolutional VAE for generation"),
    "cdcgan": ModelEntry(cdcgan, {**_GAN, "width": d.width}, "class-conditional DCGAN, projection discriminator"),
    "cvae": ModelEntry(cvae, {**_VAE, "width": d.width}, "class-conditional conv VAE (Sohn et al. 2015)"),
    "ddpm": ModelEntry(ddpm, {**_UNET, **_GUIDED, "timesteps": d.integer(4, 100_000), "eta": d.number(0, 1)},
                       "DDPM on a U-Net: cosine schedule, DDIM sampling (Ho et al. 2020; Song et al. 2021)"),
    "flow_matching": ModelEntry(flow_matching, {**_UNET, **_GUIDED, "sampler": d.choice(*d.FLOW_SAMPLERS),
                                                "time_sampling": d.choice(*d.TIME_SAMPLING)},
                                "flow matching / rectified flow on a U-Net, Euler or Heun (Lipman et al. 2023)"),
}
