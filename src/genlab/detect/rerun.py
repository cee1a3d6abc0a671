"""Re-evaluate the detectors of a finished (or interrupted) kitti run folder."""
from __future__ import annotations

from pathlib import Path

import yaml

from genlab import atomic, config as cfgmod
from genlab.detect import score_detector
from genlab.detect.options import SECTION, KittiSettings, model_params
from genlab.errors import GenlabError
from genlab.runs import RunDir


def evaluate_run(run_dir: Path, only: list[str] | None = None, device: str = "auto") -> dict[str, dict]:
    run = RunDir(Path(run_dir))
    cfg = cfgmod.study_from_dict(run.read_config(), source=str(run.config))
    if cfg.study != "kitti":
        raise GenlabError(f"{run_dir} is a {cfg.study!r} run; `genlab detect eval` needs a `genlab run kitti` folder")
    data = run.read_metrics().get(SECTION, {}).get("data")
    if not data:
        raise GenlabError(f"{run_dir} has no prepared KITTI data yet; run `genlab run kitti --out {run_dir} --resume`")
    dataset = run.path / "data" / "target"
    _repoint_yaml(dataset)
    results = {}
    for spec in cfg.models:
        params = model_params(spec)
        if params.data != "target" or (only and spec.name not in only):
            continue
        final = run.model(spec.name).final
        if not final.is_file():
            continue
        results[spec.name] = score_detector.evaluate_model(final, dataset, run.model(spec.name).path / "eval", params.imgsz, device)
    if only and not set(only) <= set(results):
        missing = sorted(set(only) - set(results))
        raise GenlabError(f"model(s) {', '.join(missing)} have no trained weights on the target data in {run_dir}")
    if not results:
        raise GenlabError(f"{run_dir} holds no trained detector yet (no models/NAME/final.pt)")
    from genlab.detect import experiment

    # keep the run folder consistent: figures follow the new numbers (rebuild the page with `genlab report`)
    experiment.draw(run, cfg, cfgmod.typed_options(KittiSettings, cfg.analysis, "analysis"), run.read_metrics()[SECTION])
    return results


def _repoint_yaml(dataset: Path) -> None:
    """The dataset YAML holds an absolute path: follow the run folder if it was moved."""
    path = dataset / "dataset.yaml"
    if not path.is_file():
        raise GenlabError(f"{path} is missing; the run folder is incomplete")
    spec = yaml.safe_load(path.read_text())
    if Path(spec.get("path", "")) != dataset.resolve():
        spec["path"] = str(dataset.resolve())
        atomic.write_text(path, yaml.safe_dump(spec, sort_keys=False))


def format_table(results: dict[str, dict], kitti: bool = False) -> str:
    lines = [f"{'model':<12} {'P':>7} {'R':>7} {'mAP50':>7} {'mAP50-95':>9} {'COCO mAP50':>11} {'COCO mAP50-95':>14} {'diff':>8}"]
    for name, m in results.items():
        u, c = m["ultralytics"], m["coco"]
        lines.append(f"{name:<12} {u['precision']:>7.4f} {u['recall']:>7.4f} {u['map50']:>7.4f} {u['map50_95']:>9.4f} "
                     f"{c['map50']:>11.4f} {c['map50_95']:>14.4f} {m['coco_minus_ultralytics']['map50_95']:>+8.4f}")
    if kitti:
        lines.append("")
        lines.append(f"{'KITTI AP (R40)':<24} {'Easy':>7} {'Moderate':>9} {'Hard':>7}")
        for name, m in results.items():
            for cls, k in m["kitti"].items():
                ap = k["ap_r40"]
                lines.append(f"{name + ' ' + cls + ' @' + str(k['min_iou']):<24} {_ap(ap['easy']):>7} "
                             f"{_ap(ap['moderate']):>9} {_ap(ap['hard']):>7}")
    return "\n".join(lines)


def _ap(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"
