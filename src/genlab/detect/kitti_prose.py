"""The sentences of the KITTI report that describe what ran and what it shows.

Every setting named here comes from the run folder (metrics.json's data record, each
model's summary.json with the arguments handed to ultralytics, the run's config), and
every comparison is computed from the measured numbers, so a changed study file can
never be described with the shipped study's values.
"""
from __future__ import annotations

from genlab.config import StudyConfig
from genlab.detect import convert
from genlab.detect.options import KittiSettings, role
from genlab.report.page import fmt, quantity

NUMBERS = (("precision", "P"), ("recall", "R"), ("map50", "mAP@0.5"), ("map50_95", "mAP@0.5:0.95"))
NO_CARS = 0.005  # mAP@0.5:0.95 below this: the model finds (almost) no object at all


def data_lines(data: dict, config: StudyConfig, settings: KittiSettings) -> list[str]:
    classes = ", ".join(data["classes"])
    n_train, n_test = data["images"]["train"], data["images"]["test"]
    if data["synthetic"]:
        source = synthetic_caveat(data, settings.reported_source if settings.reported else None)
    else:
        source = f"Real KITTI images from {data['source']}."
    kept = f"Classes kept: {classes}"
    if set(data["classes"]) != set(convert.TRAINABLE):
        kept += " (only images containing them)"
    split = f", training fraction {fmt(data['split'])}" if "split" in data else ""
    lines = [source, f"{kept}. Split {n_train} train / {n_test} test images (seed {config.seed}{split}). All "
             "models are evaluated on the same test images, with their last-epoch weights (no model selection on test)."]
    if "pretrain" in data:
        lines += _pretrain_lines(data["pretrain"], data)
    return lines


def synthetic_caveat(data: dict, reported_source: str | None) -> str:
    """What a run on generated scenes can and cannot say (the run's and the experiment's pages)."""
    n = data["images"]["train"] + data["images"]["test"]
    against = (f" The numbers below are therefore NOT comparable with {reported_source}" if reported_source
               else " The numbers below are therefore not those of real KITTI images")
    return (f"SYNTHETIC KITTI-format scenes, not KITTI: no data.root was given, so genlab generated {n} scenes of "
            f"style '{data['style']}' at {data['size']} pixels into the run folder ({data['source']}).{against}; "
            "they show the method and the comparison. Run with --set data.root=KITTI_ROOT for real data.")


def _pretrain_lines(pre: dict, data: dict) -> list[str]:
    target = f"'{data['style']}'" if data.get("synthetic") else "real KITTI images"
    lines = [f"Pretraining data: {pre['images']['train']} synthetic training scenes of style '{pre['style']}' "
             f"(the target data are {target}), generated with another seed."]
    own = pre.get("final_val")
    if own:
        lines.append(f"The pretraining run, validated on "
                     f"{pre['images']['test']} held-out '{pre['style']}' scenes after its last epoch (ultralytics): "
                     + ", ".join(f"{label} {quantity(own.get(key), 'score')}" for key, label in NUMBERS) + ".")
    return lines


def model_line(name: str, s: dict) -> str:
    """One model's training, from its summary.json (the arguments given to ultralytics)."""
    args = s.get("ultralytics_args") or {}
    batch = f"batch {s.get('batch')}"
    if s.get("accumulate", 1) > 1:
        batch += (f" (gradients of {s['accumulate']} batches summed per optimiser step: ultralytics' nominal "
                  f"batch {args.get('nbs')})")
    opt = f"{s.get('optimizer')} lr0 {fmt(s.get('lr0'))}"
    if args:
        beta = "momentum" if args["optimizer"] == "SGD" else "beta1"
        opt += f" ({beta} {fmt(args['momentum'])}, weight decay {fmt(args['weight_decay'])})"
        opt += (", cosine decay to 0 per epoch" if args.get("cos_lr") else
                ", constant" if args.get("lrf") == 1.0 else f", linear decay to lr0 × {fmt(args.get('lrf'))}")
        warm = min(args.get("warmup_epochs", 0), max(s.get("epochs", 1) - 1, 0))  # ultralytics keeps the last epoch
        opt += f" after {fmt(float(warm))} warmup epoch(s)" if warm else ", no warmup"
    layout = "wide letterboxed batches (rect, no mosaic)" if s.get("rect") else "square mosaics"
    data = "pretraining" if s.get("dataset") == "pretrain" else "target"
    return (f"{s.get('title', name)}: {s.get('epochs')} epoch(s) on the {s.get('train_images')} training images of the "
            f"{data} data, "
            f"starting from {s.get('weights_from')}; imgsz {s.get('imgsz')}, {batch}, {opt}, {layout}, "
            f"device {s.get('device')}.")


def detector_line(models: dict) -> str:
    cfgs = sorted({s["cfg"] for s in models.values() if s.get("cfg")})
    if not cfgs:
        return "Every model starts from a checkpoint and keeps its architecture."
    text = f"Detector built from ultralytics' {', '.join(cfgs)}."
    if any(c.startswith("yolov5") for c in cfgs):
        text += (" Current ultralytics builds YOLOv5 with its anchor-free detection head (the 'yolov5u' variants), "
                 "not the anchor-based head of the original YOLOv5 repository; backbone and neck are YOLOv5's.")
    return text


def verdict(results: dict, evals: dict[str, dict], config: StudyConfig, settings: KittiSettings) -> str:
    """Which of transfer and scratch wins, only as far as the numbers say so."""
    by_role: dict[str, list[str]] = {}
    for name in evals:
        by_role.setdefault(role(config.model(name)), []).append(name)
    if len(by_role.get("transfer", [])) != 1 or len(by_role.get("scratch", [])) != 1:
        return ""
    tn, sn = by_role["transfer"][0], by_role["scratch"][0]
    t, s = evals[tn]["ultralytics"]["map50_95"], evals[sn]["ultralytics"]["map50_95"]
    models = results.get("models", {})
    budget = f"{models.get(sn, {}).get('epochs')} epoch(s) on {models.get(sn, {}).get('train_images')} images"
    if max(t, s) < NO_CARS:
        return (f"Neither model finds the objects yet (mAP@0.5:0.95 {quantity(t, 'score')} transfer, "
                f"{quantity(s, 'score')} scratch): this setting "
                f"({budget}) is too small to say whether transfer learning helps.")
    word = "beats" if t > s else "does not beat" if t < s else "ties with"
    text = (f"At {budget}, transfer learning {word} training from scratch on mAP@0.5:0.95 "
            f"({quantity(t, 'score')} vs {quantity(s, 'score')}).")
    rep = {r: settings.reported.get(r, {}).get("map50_95") for r in ("transfer", "scratch")}
    if None not in rep.values():
        rt, rs = rep["transfer"], rep["scratch"]
        ahead = "ahead" if rt > rs else "behind" if rt < rs else "level"
        same = (rt > rs) == (t > s) and (rt < rs) == (t < s)
        text += (f" {settings.reported_source} found transfer {ahead} ({quantity(rt, 'score')} vs "
                 f"{quantity(rs, 'score')}): "
                 f"{'the same' if same else 'a different'} order.")
    if s < NO_CARS <= t:
        text += " Here the scratch model has not yet started to find the objects (see its losses in the training curves)"
        text += _head_start(models.get(tn, {}), models, results["data"].get("pretrain", {}))
    return text


def _head_start(transfer: dict, models: dict, pre: dict) -> str:
    """Why transfer is ahead, claimed only when the weights it starts from detected objects."""
    source = models.get(transfer.get("weights_model") or "", {})
    own = (pre.get("final_val") or {}).get("map50_95")
    if source.get("dataset") == "pretrain" and own is not None and own >= NO_CARS:
        return (f", while the transferred one starts from weights that already detect them in '{pre['style']}' "
                f"scenes (mAP@0.5:0.95 {quantity(own, 'score')} there).")
    return "."
