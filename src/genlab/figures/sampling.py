"""The cost of sampling drawn: FID and images per second against sampler steps, iterative
models as curves and one-step generators as levels on the same axes."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from genlab import atomic
from genlab.figures.common import MIN_FONT_PT, panels, series_styles


def cost_curves(path: Path, result: dict) -> Path:
    """result: {"points": {name: [{"steps", "fid", "images_per_s", ...}]}, "titles", "floor_fid", "n"}."""
    fig, (quality, speed) = panels(2, width=5.2, height=3.8, cols=2)
    steps = sorted({p["steps"] for pts in result["points"].values() for p in pts if p["steps"] is not None}) or [1]
    styles = series_styles(len(result["points"]))
    for style, (name, pts) in zip(styles, result["points"].items()):
        title, colour = result["titles"][name], style["color"]
        if pts and pts[0]["steps"] is not None:
            xs = [p["steps"] for p in pts]
            quality.plot(xs, [p["fid"] for p in pts], "-", **style, label=title)
            speed.plot(xs, [p["images_per_s"] for p in pts], "-", **style, label=title)
        elif pts:
            quality.hlines(pts[0]["fid"], steps[0], steps[-1], colors=colour, linestyles="--", label=f"{title} (1 pass)")
            speed.hlines(pts[0]["images_per_s"], steps[0], steps[-1], colors=colour, linestyles="--")
    quality.axhline(result["floor_fid"], color="k", lw=0.8, ls=":", label=f"real-data floor (n={result['n']:,})")
    for ax, label in ((quality, "FID (log scale)"), (speed, "images per second (log scale)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(steps, [str(s) for s in steps])  # the step counts measured, not 6×10⁰
        ax.minorticks_off()
        ax.set_xlabel("sampler steps")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("The cost of sampling", fontsize=11)
    fig.tight_layout()
    handles, labels = quality.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False,
               fontsize=MIN_FONT_PT)
    return atomic.save_figure(path, fig)
