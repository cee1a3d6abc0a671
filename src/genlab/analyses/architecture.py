"""Layer stages of every model's encoder and decoder, with each stage's output shape,
measured on the trained networks at the data's image shape."""
from __future__ import annotations

import torch
from torch import nn

from genlab.analyses.base import Analysis, AnalysisContext, ReportView
from genlab.report.page import Table, Text

CONVS = (nn.Conv2d, nn.ConvTranspose2d)


def describe_layer(layer: nn.Module) -> str:
    """One layer as the table shows it, read from the layer: 'Conv2d 3×3/2', 'Linear 512→14'."""
    if isinstance(layer, CONVS):
        k, s = layer.kernel_size, layer.stride
        return f"{type(layer).__name__} {k[0]}×{k[1]}/{s[0]}"
    if isinstance(layer, nn.Linear):
        return f"Linear {layer.in_features}→{layer.out_features}"
    if isinstance(layer, nn.LeakyReLU):
        return f"LeakyReLU({layer.negative_slope:g})"
    if isinstance(layer, nn.Upsample):
        to = f"×{layer.scale_factor:g}" if layer.scale_factor is not None else "to " + "×".join(map(str, layer.size))
        return f"Upsample {to} ({layer.mode})"
    return type(layer).__name__


def _stage_rows(network: nn.Module, h: torch.Tensor) -> tuple[list[list[str]], torch.Tensor]:
    rows = []
    for stage in network.stages:
        h = stage(h)
        layers = list(stage.children()) or [stage]
        rows.append([" → ".join(describe_layer(m) for m in layers), "×".join(str(s) for s in h.shape[1:])])
    return rows, h


@torch.no_grad()
def stage_table(method, shape: tuple[int, int, int]) -> dict:
    """Encoder and decoder stages (layers, output shape C×H×W) from a 2-image batch of `shape`,
    the code's size, and the trained layers outside the two networks (e.g. a VAE's μ/log σ² head)."""
    method.eval()
    x = torch.zeros(2, *shape)  # 2×C×H×W
    encoder_rows, _ = _stage_rows(method.encoder, x)
    code = method.encode(x)  # 2×D
    shape = getattr(method.decoder, "in_shape", tuple(code.shape[1:]))
    decoder_rows, _ = _stage_rows(method.decoder, code.view(-1, *shape))
    others = {name: " → ".join(describe_layer(m) for m in (list(child.children()) or [child]))
              for name, child in method.named_children()
              if name not in ("encoder", "decoder") and any(True for _ in child.parameters())}
    return {"encoder": encoder_rows, "decoder": decoder_rows, "code_dim": int(code.shape[1]),
            "decoder_input": "×".join(map(str, shape)), "other_layers": others}


class Architecture(Analysis):
    key = "architecture"
    title = "Architectures: layers and output shapes"
    needs = frozenset({"stages"})

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        return {name: stage_table(method, ctx.splits.facts.shape) for name, method in models.items()}

    def blocks(self, view: ReportView, results: dict) -> list:
        source = (f" {view.source[0].upper()}{view.source[1:]} gives strides and output shapes only: kernel sizes, "
                  "paddings, activations and normalisation are genlab's," if view.source else "")
        blocks = [Text("Layers and output shapes as run (channels × height × width), measured on this run's trained "
                       f"networks at the data's image size; convolutions are given as kernel/stride.{source} Each "
                       "table lists the layers as built from the model's params.")]
        codes = []
        for name, table in results.items():
            spec = view.config.model(name)
            rows = [[f"{part} {i + 1}", layers, shape] for part in ("encoder", "decoder")
                    for i, (layers, shape) in enumerate(table[part])]
            params = ", ".join(f"{k}={v}" for k, v in spec.params.items()) or "the registry defaults"
            blocks.append(Table(["stage", "layers", "output shape"], rows, f"{spec.title} ({spec.model}, {params})"))
            other = "; ".join(f"{k}: {v}" for k, v in table["other_layers"].items()) or "—"
            codes.append([spec.title, table["code_dim"], table["decoder_input"], other])
        blocks.append(Table(["model", "code size (encode)", "decoder input", "trained layers outside encoder/decoder"],
                            codes, "Codes: what the probes, t-SNE and classifiers see, and the objective's own layers"))
        return blocks
