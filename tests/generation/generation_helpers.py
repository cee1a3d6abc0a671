"""Shared constants of the generation-quality tests."""
from genlab.generation.features import FeatureNetConfig

# trains in a few seconds: a few hundred images, one epoch, 4 channels
TINY_NET = FeatureNetConfig(width=4, feature_dim=16, epochs=1, batch_size=64, train_subset=256, test_subset=200)

# random (untrained) tiny models: enough to exercise every sampler path
MODELS = [
    {"name": "gan_uniform", "model": "dense_gan",
     "params": {"latent_dim": 8, "prior": "uniform", "g_hidden": [16], "d_hidden": [16]}},
    {"name": "vae", "model": "dense_vae", "params": {"latent_dim": 4, "hidden": [16]}},
    {"name": "ae4", "model": "dense_ae", "params": {"latent_dim": 4, "latent_act": "none"}},
]
