"""Every layer of the conv AE / VAE gives the output shape of report 004's tables 1 and 2."""
from __future__ import annotations

import pytest
import torch

from genlab import registry

# (stage, output shape C×H×W) — copied from the report's tables, not from the code
TABLE_1_ENCODER = [(8, 14, 14), (8, 14, 14), (16, 5, 5), (32, 5, 5), (128, 3, 3)]
TABLE_1_DECODER = [(32, 5, 5), (16, 5, 5), (8, 14, 14), (8, 14, 14), (1, 28, 28), (1, 28, 28)]  # …, upsample, sigmoid
TABLE_2_ENCODER = [(8, 14, 14), (16, 7, 7), (32, 4, 4), (512,)]  # 3 convs, then flatten for the linear head
TABLE_2_DECODER = [(32, 4, 4), (16, 7, 7), (8, 14, 14), (1, 28, 28), (1, 28, 28)]  # linear, 3 transposed convs, sigmoid


def _stage_shapes(network, h: torch.Tensor) -> list[tuple[int, ...]]:
    shapes = []
    for stage in network.stages:
        h = stage(h)
        shapes.append(tuple(h.shape[1:]))
    return shapes


@pytest.mark.parametrize("name", ["conv_ae", "conv_dae"])
def test_ae_layers_match_table_1(name):
    method = registry.build(name, shape=(1, 28, 28), classes=10)
    assert _stage_shapes(method.encoder, torch.rand(3, 1, 28, 28)) == TABLE_1_ENCODER
    assert _stage_shapes(method.decoder, torch.rand(3, 128, 3, 3)) == TABLE_1_DECODER
    assert method.encode(torch.rand(3, 1, 28, 28)).shape == (3, 1152)  # the bottleneck, flattened
    assert method.decode(torch.rand(3, 1152)).shape == (3, 1, 28, 28)  # the decoder takes the flat code back


def test_ae_strides_are_the_tables():
    encoder, decoder = registry.build("conv_ae", shape=(1, 28, 28), classes=10).encoder, registry.build("conv_ae", shape=(1, 28, 28), classes=10).decoder
    assert [s[0].stride[0] for s in encoder.stages] == [2, 1, 3, 1, 2]
    assert [s[0].stride[0] for s in decoder.stages[:4]] == [2, 1, 3, 1]
    assert [type(s[0]).__name__ for s in decoder.stages[:4]] == ["ConvTranspose2d", "Conv2d", "ConvTranspose2d", "Conv2d"]
    assert type(decoder.stages[4][0]).__name__ == "Upsample"


def test_vae_layers_match_table_2():
    method = registry.build("conv_vae", shape=(1, 28, 28), classes=10)
    x = torch.rand(3, 1, 28, 28)
    assert _stage_shapes(method.encoder, x) == TABLE_2_ENCODER
    mu, logvar = method.posterior(x)
    assert mu.shape == logvar.shape == (3, 20)  # the bottleneck: μ and log σ², 20 each
    assert _stage_shapes(method.decoder, torch.rand(3, 20)) == TABLE_2_DECODER
    transposed = [s[0] for s in method.decoder.stages[1:4]]
    assert [(t.stride[0], t.output_padding[0]) for t in transposed] == [(2, 0), (2, 1), (2, 1)]


@pytest.mark.parametrize("name", ["conv_ae", "conv_dae", "conv_vae"])
def test_outputs_are_images_in_unit_range(name):
    method = registry.build(name, shape=(1, 28, 28), classes=10).eval()
    out = method.reconstruct(torch.rand(4, 1, 28, 28))
    assert out.shape == (4, 1, 28, 28) and out.min() >= 0 and out.max() <= 1


def test_objectives_differ_only_in_the_method():
    ae, dae, vae = registry.build("conv_ae", shape=(1, 28, 28), classes=10), registry.build("conv_dae", {"noise_factor": 0.3}, shape=(1, 28, 28), classes=10), registry.build("conv_vae", shape=(1, 28, 28), classes=10)
    assert type(ae.encoder) is type(dae.encoder) and type(ae.decoder) is type(dae.decoder)
    assert dae.noise_factor == 0.3 and vae.reconstruction == "mse"
    x = torch.rand(8, 1, 28, 28)
    for method in (ae, dae, vae):
        loss = method.loss(x, torch.zeros(8, dtype=torch.long), "model")
        assert loss.total.ndim == 0 and torch.isfinite(loss.total)
