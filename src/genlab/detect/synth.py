"""Synthetic KITTI-format scenes: cheap road images with car-like objects, for tests,
the README example and showing transfer learning offline.

Each scene has a horizon, a road, background clutter, cars of varied size (by depth),
occlusion (nearer cars drawn over farther ones; the label's level is computed from the
covered fraction) and truncation (cars cut by the image border), a few pedestrians, and
DontCare regions holding clusters of tiny unlabelled cars, as in KITTI. A `style`
changes the look (palette, background, texture) but not the geometry, so a detector
pretrained on one style has learnt transferable features for another.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from genlab import atomic
from genlab.detect.kitti_format import KittiObject, labels_text
from genlab.errors import GenlabError


@dataclass(frozen=True)
class Style:
    sky: tuple[tuple[int, int, int], tuple[int, int, int]]  # top and horizon colours
    ground: tuple[int, int, int]
    road: tuple[int, int, int]
    car_palette: tuple[tuple[int, int, int], ...]
    window: tuple[int, int, int]
    clutter: tuple[int, int, int]
    noise: float  # std of per-pixel texture noise
    person: tuple[int, int, int]


STYLES: dict[str, Style] = {
    # "day": bright sky, grey road, saturated cars
    "day": Style(((110, 160, 230), (200, 225, 250)), (90, 140, 70), (105, 105, 110),
                 ((200, 30, 30), (30, 60, 200), (230, 230, 235), (20, 20, 25), (240, 200, 40), (140, 140, 150)),
                 (40, 50, 70), (60, 100, 50), 6.0, (180, 120, 90)),
    # "dusk": dark purple sky, brown ground, muted cars, heavy texture
    "dusk": Style(((40, 20, 70), (200, 110, 80)), (110, 80, 50), (60, 55, 60),
                  ((120, 160, 120), (170, 110, 170), (90, 140, 170), (200, 170, 120), (70, 70, 40), (150, 90, 60)),
                  (230, 210, 120), (150, 120, 60), 22.0, (90, 160, 200)),
}


MAX_SCENES = 100_000  # 13× KITTI's 7,481: a bound that says a typo, not a taste
MAX_SIDE = 8192  # a 8192² RGB scene is 200 MB in memory while it is drawn


@dataclass(frozen=True)
class SynthOptions:
    n: int = 400
    seed: int = 0
    width: int = 1242
    height: int = 375
    style: str = "day"
    max_cars: int = 7

    def __post_init__(self) -> None:
        if not 1 <= self.n <= MAX_SCENES:
            raise GenlabError(f"synth: --n must be 1 to {MAX_SCENES:,} (KITTI's training set has 7,481 scenes), "
                              f"got {self.n}")
        if self.width < 32 or self.height < 16:
            raise GenlabError(f"synth: image size {self.width}x{self.height} is too small (min 32x16)")
        if self.width > MAX_SIDE or self.height > MAX_SIDE:
            raise GenlabError(f"synth: image size {self.width}x{self.height} is too large (at most {MAX_SIDE} "
                              "pixels a side; KITTI's are 1242x375)")
        if self.style not in STYLES:
            raise GenlabError(f"synth: unknown style {self.style!r}; choose one of: {', '.join(STYLES)}")


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise GenlabError(f"size {text!r} must be WIDTHxHEIGHT, e.g. 1242x375") from None
    return w, h


def write_dataset(out: Path, options: SynthOptions) -> Path:
    """Write OUT/training/image_2/NNNNNN.png and OUT/training/label_2/NNNNNN.txt."""
    out = Path(out)
    image_dir, label_dir = out / "training" / "image_2", out / "training" / "label_2"
    image_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(options.seed)
    style = STYLES[options.style]
    for i in range(options.n):
        image, objects = scene(rng, options.width, options.height, style, options.max_cars)
        stem = f"{i:06d}"
        _save_png(image_dir / f"{stem}.png", image)
        atomic.write_text(label_dir / f"{stem}.txt", labels_text(objects))
    return out


def _save_png(path: Path, image: Image.Image) -> None:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    atomic.write_bytes(path, buffer.getvalue())


# ---------------------------------------------------------------- one scene

def scene(rng: np.random.Generator, w: int, h: int, style: Style, max_cars: int) -> tuple[Image.Image, list[KittiObject]]:
    scale = h / 375.0
    horizon = int(h * rng.uniform(0.35, 0.45))
    image = _background(rng, w, h, horizon, style)
    draw = ImageDraw.Draw(image)
    _clutter(rng, draw, w, horizon, style, scale)
    objects = _dontcare_clusters(rng, draw, w, horizon, style, scale)
    cars = _place_cars(rng, w, h, horizon, scale, int(rng.integers(1, max_cars + 1)))
    people = _place_people(rng, w, h, horizon, scale, int(rng.integers(0, 3)))
    things = sorted(cars + people, key=lambda t: t["depth"])  # far first: nearer ones cover them
    for thing in things:
        (_draw_car if thing["type"] == "Car" else _draw_person)(rng, draw, thing["box"], style)
    objects += _labels(things, w, h)
    arr = np.asarray(image, dtype=np.float32)
    arr = arr + rng.normal(0, style.noise, size=arr.shape[:2])[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), objects


def _background(rng, w, h, horizon, style: Style) -> Image.Image:
    t = np.linspace(0, 1, max(horizon, 1))[:, None, None]
    top, bottom = (np.array(c, dtype=np.float32) for c in style.sky)
    sky = np.broadcast_to(top * (1 - t) + bottom * t, (max(horizon, 1), w, 3))
    ground = np.broadcast_to(np.array(style.ground, np.float32), (h - horizon, w, 3)).copy()
    # a road trapezoid widening towards the camera
    ys = np.arange(h - horizon)[:, None] / max(h - horizon, 1)
    xs = np.arange(w)[None, :] / w
    centre = rng.uniform(0.4, 0.6)
    on_road = np.abs(xs - centre) < 0.05 + 0.6 * ys
    ground[on_road] = style.road
    return Image.fromarray(np.concatenate([sky, ground], axis=0).astype(np.uint8))


def _clutter(rng, draw, w, horizon, style: Style, scale) -> None:
    """Trees / poles / buildings: box-like distractors the detector must learn to ignore."""
    for _ in range(int(rng.integers(3, 9))):
        x = rng.uniform(0, w)
        bw, bh = rng.uniform(8, 60) * scale, rng.uniform(30, 140) * scale
        colour = tuple(int(np.clip(c + rng.normal(0, 25), 0, 255)) for c in style.clutter)
        draw.rectangle([x, horizon - bh, x + bw, horizon + 4 * scale], fill=colour)


def _dontcare_clusters(rng, draw, w, horizon, style: Style, scale) -> list[KittiObject]:
    """Far-away traffic too small to label: drawn, boxed as DontCare (ignored in evaluation)."""
    objects = []
    for _ in range(int(rng.integers(0, 3))):
        x0 = rng.uniform(0, w * 0.8)
        width = rng.uniform(40, 120) * scale
        top, bottom = horizon - 2 * scale, horizon + 14 * scale
        for k in range(int(rng.integers(2, 5))):
            ch = rng.uniform(6, 11) * scale
            cx = x0 + rng.uniform(0, max(width - 2 * ch, 1))
            _draw_car(rng, draw, (cx, bottom - ch, cx + 1.8 * ch, bottom), style)
        objects.append(KittiObject("DontCare", -1, -1, -10, (round(x0, 2), round(top, 2),
                                                             round(x0 + width, 2), round(bottom, 2))))
    return objects


def _place_cars(rng, w, h, horizon, scale, n) -> list[dict]:
    cars = []
    for _ in range(n):
        depth = rng.uniform(0, 1)  # 0 = far, 1 = near
        bh = (16 + 150 * depth ** 1.6) * scale
        bw = bh * rng.uniform(1.2, 2.6)
        bottom = horizon + (h - horizon) * (0.12 + 0.85 * depth) + rng.normal(0, 3 * scale)
        cx = rng.uniform(-0.08 * w, 1.08 * w)
        cars.append({"type": "Car", "depth": depth, "box": (cx - bw / 2, bottom - bh, cx + bw / 2, bottom)})
    return cars


def _place_people(rng, w, h, horizon, scale, n) -> list[dict]:
    people = []
    for _ in range(n):
        depth = rng.uniform(0.2, 1)
        bh = (30 + 110 * depth) * scale
        bottom = horizon + (h - horizon) * (0.12 + 0.85 * depth)
        cx = rng.uniform(0.02 * w, 0.98 * w)
        people.append({"type": "Pedestrian", "depth": depth, "box": (cx - 0.18 * bh, bottom - bh, cx + 0.18 * bh, bottom)})
    return people


def _draw_car(rng, draw, box, style: Style) -> None:
    left, top, right, bottom = box
    bw, bh = right - left, bottom - top
    colour = style.car_palette[int(rng.integers(len(style.car_palette)))]
    body_top = top + 0.42 * bh
    inset = bw * rng.uniform(0.15, 0.28)
    draw.polygon([(left + inset, top), (right - inset, top), (right - 0.06 * bw, body_top), (left + 0.06 * bw, body_top)],
                 fill=colour)
    pad = 0.08 * bh
    draw.rectangle([left + inset + pad, top + pad, right - inset - pad, body_top - pad * 0.5], fill=style.window)
    draw.rectangle([left, body_top, right, bottom - 0.15 * bh], fill=colour)
    r = 0.17 * bh
    for wx in (left + 0.2 * bw, right - 0.2 * bw):
        draw.ellipse([wx - r, bottom - 2 * r, wx + r, bottom], fill=(15, 15, 15))
    lamp = max(1.0, 0.06 * bh)
    draw.rectangle([left + 0.02 * bw, body_top + lamp, left + 0.02 * bw + 2 * lamp, body_top + 2.5 * lamp], fill=(250, 240, 200))


def _draw_person(rng, draw, box, style: Style) -> None:
    left, top, right, bottom = box
    bw, bh = right - left, bottom - top
    head = 0.16 * bh
    cx = (left + right) / 2
    draw.ellipse([cx - head / 2, top, cx + head / 2, top + head], fill=style.person)
    draw.rectangle([left + 0.15 * bw, top + head, right - 0.15 * bw, top + 0.6 * bh], fill=style.person)
    draw.rectangle([left + 0.2 * bw, top + 0.6 * bh, cx - 0.05 * bw, bottom], fill=(40, 40, 60))
    draw.rectangle([cx + 0.05 * bw, top + 0.6 * bh, right - 0.2 * bw, bottom], fill=(40, 40, 60))


def _labels(things: list[dict], w: int, h: int) -> list[KittiObject]:
    """KITTI labels with truncation (fraction outside the image) and occlusion level
    (0 <10 % covered, 1 <50 %, 2 otherwise) computed from nearer objects' boxes."""
    objects = []
    for i, thing in enumerate(things):
        left, top, right, bottom = thing["box"]
        full = (right - left) * (bottom - top)
        clip = (max(left, 0), max(top, 0), min(right, w), min(bottom, h))
        visible = max(clip[2] - clip[0], 0) * max(clip[3] - clip[1], 0)
        if clip[2] - clip[0] < 3 or visible <= 0:
            continue
        covered = _covered_fraction(clip, [t["box"] for t in things[i + 1:]])
        if covered > 0.9:
            continue  # hidden behind nearer objects: KITTI would not label it either
        occluded = 0 if covered < 0.1 else 1 if covered < 0.5 else 2
        depth = thing["depth"]
        objects.append(KittiObject(thing["type"], round(1 - visible / full, 2), occluded, 0.0,
                                   tuple(round(v, 2) for v in clip), (1.5, 1.6, 3.9),
                                   (0.0, 1.6, round(5 + 60 * (1 - depth), 2)), 0.0))
    return objects


def _covered_fraction(box, nearer: list[tuple]) -> float:
    left, top, right, bottom = (int(round(v)) for v in box)
    if right <= left or bottom <= top:
        return 1.0
    mask = np.zeros((bottom - top, right - left), dtype=bool)
    for l2, t2, r2, b2 in nearer:
        x0, y0 = max(int(round(l2)) - left, 0), max(int(round(t2)) - top, 0)
        x1, y1 = min(int(round(r2)) - left, right - left), min(int(round(b2)) - top, bottom - top)
        if x1 > x0 and y1 > y0:
            mask[y0:y1, x0:x1] = True
    return float(mask.mean())
