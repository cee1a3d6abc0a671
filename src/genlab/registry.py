"""The model registry: name → builder. Tests iterate over MODELS; study files name
entries by key; builders' keyword arguments are the `params:` a study file may set."""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from genlab import param_domains
from genlab.errors import GenlabError

if TYPE_CHECKING:
    import torch

    from genlab.methods.base import Method

# Builders import their networks when called: importing the registry (to check a study
# file's params) must not cost torch's import.


def dense_ae(latent_dim: int = 64, hidden: list[int] = (), latent_act: str = "relu") -> Method:
    """Report 000's AE: 784 → latent (ReLU) → 784 (sigmoid); `hidden` adds layers both sides."""
    from genlab.methods.autoencoders import Autoencoder
    from genlab.nn.dense import DenseDecoder, DenseEncoder

    hidden = list(hidden)
    return Autoencoder(DenseEncoder(latent_dim, hidden, out_act=latent_act),
                       DenseDecoder(latent_dim, hidden[::-1]), latent_dim)


def dense_dae(latent_dim: int = 64, hidden: list[int] = (), latent_act: str = "relu", noise_factor: float = 0.5) -> Method:
    from genlab.methods.autoencoders import DenoisingAutoencoder
    from genlab.nn.dense import DenseDecoder, DenseEncoder

    hidden = list(hidden)
    return DenoisingAutoencoder(DenseEncoder(latent_dim, hidden, out_act=latent_act),
                                DenseDecoder(latent_dim, hidden[::-1]), latent_dim, noise_factor)


def dense_vae(latent_dim: int = 64, hidden: list[int] = (512,), reconstruction: str = "bce", beta: float = 1.0) -> Method:
    from genlab.methods.autoencoders import VariationalAutoencoder
    from genlab.nn.dense import DenseDecoder, DenseEncoder

    hidden = list(hidden)
    return VariationalAutoencoder(DenseEncoder(hidden[-1], hidden[:-1], out_act="relu"),
                                  DenseDecoder(latent_dim, hidden[::-1]), hidden[-1], latent_dim, reconstruction, beta)


def dense_gan(latent_dim: int = 64, prior: str = "normal", g_hidden: list[int] = (256, 512, 1024),
              d_hidden: list[int] = (512, 256)) -> Method:
    from genlab.methods.gan import GAN
    from genlab.nn.dense import DenseDecoder, DenseDiscriminator

    generator = DenseDecoder(latent_dim, list(g_hidden), out_act="tanh", hidden_act="leaky_relu")
    return GAN(generator, DenseDiscriminator(list(d_hidden)), latent_dim, prior)


def conv_ae(bottleneck_act: str = "relu", upsample: str = "bilinear", norm: str = "none", act: str = "relu") -> Method:
    """Report 004's table 1: conv encoder to a 128×3×3 bottleneck (codes: 1152-d), conv decoder, MSE."""
    from genlab.methods.autoencoders import Autoencoder
    from genlab.nn.conv import AE_BOTTLENECK, ConvAEDecoder, ConvAEEncoder

    return Autoencoder(ConvAEEncoder(bottleneck_act, norm, act), ConvAEDecoder(upsample, norm, act),
                       _numel(AE_BOTTLENECK))


def conv_dae(noise_factor: float = 0.5, bottleneck_act: str = "relu", upsample: str = "bilinear",
             norm: str = "none", act: str = "relu") -> Method:
    """Table 1's networks trained on x + noise_factor·N(0, 1) (unclipped) to give back x."""
    from genlab.methods.autoencoders import DenoisingAutoencoder
    from genlab.nn.conv import AE_BOTTLENECK, ConvAEDecoder, ConvAEEncoder

    return DenoisingAutoencoder(ConvAEEncoder(bottleneck_act, norm, act), ConvAEDecoder(upsample, norm, act),
                                _numel(AE_BOTTLENECK), noise_factor)


def conv_vae(latent_dim: int = 20, reconstruction: str = "mse", beta: float = 1.0) -> Method:
    """Report 004's table 2: three convs → 512 features → (μ, log σ²) → z → linear + three transposed convs."""
    from genlab.methods.autoencoders import VariationalAutoencoder
    from genlab.nn.conv import ConvVAEDecoder, ConvVAEEncoder

    return VariationalAutoencoder(ConvVAEEncoder(), ConvVAEDecoder(latent_dim), ConvVAEEncoder.out_dim, latent_dim,
                                  reconstruction, beta)


def dcgan(latent_dim: int = 64, prior: str = "normal", width: int = 64) -> Method:
    """A DCGAN for 28×28 (convolutional generator and discriminator, non-saturating loss)."""
    from genlab.methods.gan import GAN
    from genlab.nn.dcgan import DCGANDiscriminator, DCGANGenerator

    return GAN(DCGANGenerator(latent_dim, width), DCGANDiscriminator(width), latent_dim, prior)


def wgan_gp(latent_dim: int = 64, prior: str = "normal", width: int = 64, critic_norm: str = "layer",
            gp_weight: float = 10.0) -> Method:
    """WGAN-GP: the DCGAN generator, a critic without BatchNorm, gradient penalty weight λ
    (critic steps per generator step: the study file's `train.steps: {critic: N}`)."""
    from genlab.methods.wgan_gp import WGANGP
    from genlab.nn.dcgan import DCGANGenerator
    from genlab.nn.wgan_critic import WGANCritic

    return WGANGP(DCGANGenerator(latent_dim, width), WGANCritic(width, critic_norm), latent_dim, prior, gp_weight)


def conv_vae_gen(latent_dim: int = 32, width: int = 32, reconstruction: str = "bce", beta: float = 1.0) -> Method:
    """A conv VAE for generation: DCGAN-shaped encoder, the DCGAN generator as decoder;
    loss = per-image reconstruction + beta·KL (beta > 1: a β-VAE)."""
    from genlab.methods.autoencoders import VariationalAutoencoder
    from genlab.nn.conv_vae_gen import ConvGenDecoder, ConvGenEncoder

    encoder = ConvGenEncoder(width)
    return VariationalAutoencoder(encoder, ConvGenDecoder(latent_dim, width), encoder.out_dim, latent_dim,
                                  reconstruction, beta)


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for size in shape:
        n *= size
    return n


MODELS: dict[str, Callable[..., Method]] = {
    "dense_ae": dense_ae,
    "dense_dae": dense_dae,
    "dense_vae": dense_vae,
    "dense_gan": dense_gan,
    "conv_ae": conv_ae,
    "conv_dae": conv_dae,
    "conv_vae": conv_vae,
    "dcgan": dcgan,
    "wgan_gp": wgan_gp,
    "conv_vae_gen": conv_vae_gen,
}


def check_params(name: str, params: dict) -> None:
    """A registered model's params against its builder's signature and their domains (torch-free)."""
    param_domains.check(name, params, inspect.signature(MODELS[name]).parameters)


def build(name: str, params: dict | None = None) -> Method:
    """Build a registered model, rejecting unknown or out-of-domain params with one line."""
    params = dict(params or {})
    if not isinstance(name, str) or name not in MODELS:
        raise GenlabError(f"unknown model {name!r}; registered models: {', '.join(sorted(MODELS))}")
    check_params(name, params)
    try:
        return MODELS[name](**params)
    except (TypeError, ValueError, KeyError, RuntimeError) as exc:
        detail = str(exc) or type(exc).__name__
        raise GenlabError(f"model {name!r} cannot be built with params {params}: {detail}") from None


def save_trained(path: Path, name: str, params: dict, method: Method) -> None:
    from genlab import atomic

    atomic.save_torch(path, {"model": name, "params": params, "state_dict": method.state_dict()})


def load_trained(model_dir_or_file, map_location: str | torch.device = "cpu") -> Method:
    """Rebuild a trained model from RUN/models/NAME/final.pt, in eval mode."""
    import torch

    path = Path(getattr(model_dir_or_file, "path", model_dir_or_file))  # a ModelDir or a path
    path = path / "final.pt" if path.is_dir() else path
    if not path.is_file():
        raise GenlabError(f"{path} does not exist; train the model first (genlab run …) or check the run folder")
    blob = torch.load(path, map_location=map_location, weights_only=False)
    method = build(blob["model"], blob["params"])
    method.load_state_dict(blob["state_dict"])
    return method.eval()
