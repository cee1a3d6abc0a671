"""The U-Net of the diffusion and flow models (nn/unet.py): shapes at 28×28×1 and 32×32×3,
where attention sits, the time and label embeddings, and one clear refusal of a shape or
setting it cannot serve."""
from __future__ import annotations

import math

import pytest
import torch

from genlab.nn.unet import Attention, ResBlock, UNet, timestep_embedding



def net(shape=(1, 28, 28), **kw) -> UNet:
    torch.manual_seed(0)
    return UNet(shape, **{"width": 8, "levels": 2, **kw})


@pytest.mark.parametrize("shape, levels", [((1, 28, 28), 1), ((1, 28, 28), 2), ((1, 28, 28), 3),
                                           ((3, 32, 32), 2), ((3, 32, 32), 4), ((3, 32, 32), 6)])
@pytest.mark.parametrize("classes", [None, 10])
def test_output_has_the_input_shape(shape, levels, classes):
    model = net(shape, levels=levels, classes=classes, width=6, blocks=2)  # 6: GroupNorm with 2 groups
    x = torch.randn(3, *shape)
    labels = torch.tensor([0, 4, 9]) if classes else None
    torch.nn.init.normal_(model.conv_out[-1].weight)  # past the zero initialisation
    out = model(x, torch.tensor([0.0, 500.0, 999.0]), labels)
    assert out.shape == (3, *shape) and torch.isfinite(out).all()
    out.sum().backward()  # every parameter on the path gets a gradient
    assert all(p.grad is not None for name, p in model.named_parameters() if "label_emb" not in name)


def test_attention_only_at_the_lowest_resolution():
    model = net((1, 28, 28), levels=3)
    shapes = {}
    for name, module in model.named_modules():
        if isinstance(module, Attention):
            module.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[2:])))
    model(torch.randn(2, 1, 28, 28), torch.zeros(2))
    assert shapes and set(shapes.values()) == {(7, 7)}  # down, middle and up blocks of level 3
    assert not any(isinstance(m, Attention) for m in net(attention=False).modules())


def test_starts_by_predicting_zero():
    """The output conv is zero-initialised: the first loss is the target's variance."""
    assert torch.equal(net()(torch.randn(2, 1, 28, 28), torch.zeros(2)), torch.zeros(2, 1, 28, 28))


def test_time_embedding_is_sinusoidal():
    emb = timestep_embedding(torch.tensor([0.0, 3.0]), 8)
    assert torch.equal(emb[0], torch.tensor([0.0] * 4 + [1.0] * 4))
    freqs = [math.exp(-math.log(10_000) * k / 4) for k in range(4)]
    expected = [math.sin(3 * f) for f in freqs] + [math.cos(3 * f) for f in freqs]
    assert emb[1].tolist() == pytest.approx(expected, abs=1e-6)
    assert timestep_embedding(torch.zeros(1), 7).shape == (1, 7)  # an odd width gets a zero column


def test_no_labels_means_the_null_label():
    model = net(classes=3)
    assert model.label_emb.num_embeddings == 4
    t = torch.tensor([10.0, 20.0])
    assert torch.equal(model.embed(t, None), model.embed(t, torch.tensor([3, 3])))
    assert not torch.equal(model.embed(t, None), model.embed(t, torch.tensor([0, 1])))


def test_residual_block_adds_the_time_embedding():
    block = ResBlock(4, 4, emb_dim=8, dropout=0.0)
    x = torch.randn(2, 4, 5, 5)
    assert not torch.equal(block(x, torch.zeros(2, 8)), block(x, torch.ones(2, 8)))


@pytest.mark.parametrize("shape, levels, fragment", [
    ((1, 28, 28), 4, "must be divisible by 8; for 28×28 use levels from 1 to 3"),
    ((3, 30, 30), 3, "must be divisible by 4; for 30×30 use levels from 1 to 2"),
    ((3, 32, 24), 5, "must be divisible by 16; for 32×24 use levels from 1 to 4"),
    ((28, 28), 2, "needs an image shape \\(C, H, W\\)"),
    ((1, 0, 28), 2, "needs an image shape"),
    ((1, 28, 28), 0, "levels must be a whole number from 1 to 6"),
    ((1, 28, 28), 7, "levels must be a whole number from 1 to 6"),
])
def test_a_shape_it_cannot_serve_is_refused_in_one_line(shape, levels, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        UNet(shape, width=4, levels=levels)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kw, fragment", [({"width": 0}, "width must be"), ({"blocks": 0}, "blocks must be"),
                                          ({"width": 2.5}, "width must be"), ({"classes": 0}, "classes must be"),
                                          ({"dropout": 1.0}, "dropout must be")])
def test_bad_settings_are_refused(kw, fragment):
    with pytest.raises(ValueError, match=fragment):
        UNet((1, 28, 28), **{"width": 4, **kw})


def test_an_image_of_another_shape_is_refused():
    with pytest.raises(ValueError, match="takes B×1×28×28 images, got \\(2, 3, 32, 32\\)"):
        net()(torch.randn(2, 3, 32, 32), torch.zeros(2))
