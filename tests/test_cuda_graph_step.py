"""train.step: the CUDA-graph training step (engine/cuda_graph.py).

On CPU: auto picks eager; train.step=cuda_graph is refused in one line before a run folder
exists; the graphed step's bookkeeping (warm-up, capture, replay, the partial batch) gives
exactly eager's updates, with a stand-in graph. On a CUDA GPU: graphed vs eager results,
fresh random numbers per replay, schedules under replay, determinism and resume."""
from __future__ import annotations

import copy
import os

import pytest
import torch

from cli_helpers import assert_clean_error, run_cli
from genlab import registry
from genlab.config import DataConfig, ModelSpec, TrainConfig
from genlab.engine import cuda_graph, step as step_mod
from genlab.engine.optim import make_optimizers
from genlab.engine.trainer import TrainData, TrainerOptions as Options, fit
from genlab.errors import GenlabError
from genlab.runs import ModelDir
from trainer_helpers import StopAt, random_data

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS, as genlab's runs set it
GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU: the step is captured as a CUDA graph")
FALLBACK = "trains with the eager step"


def spec(model="dense_ae", epochs=2, batch_size=32, params=None, **train) -> ModelSpec:
    train = {"tensorboard": False, "keep_checkpoints": 5, **train}
    return ModelSpec(name="m", model=model, params=params or {},
                     train=TrainConfig(epochs=epochs, batch_size=batch_size, **train))


def weights(model_dir: ModelDir) -> dict:
    return registry.load_trained(model_dir).state_dict()


def same_weights(a: ModelDir, b: ModelDir) -> bool:
    wa, wb = weights(a), weights(b)
    return all(torch.equal(wa[k], wb[k]) for k in wa)


# ---------------------------------------------------------------- CPU

@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_auto_is_eager_on_every_device(device):
    """The graph step is opt-in until it has been measured on a GPU (engine/step.py)."""
    method = registry.build("dense_ae", {}, shape=(1, 28, 28), classes=10)
    update = step_mod.make_step(method, make_optimizers(method, TrainConfig()), TrainConfig(), torch.device(device))
    assert update.__qualname__.startswith("eager_step")


def test_graphed_step_on_cpu_is_refused_when_asked_for():
    method = registry.build("dense_ae", {}, shape=(1, 28, 28), classes=10)
    optimizers, cfg = make_optimizers(method, TrainConfig()), TrainConfig(step="cuda_graph")
    fallback = step_mod.eager_step(method, optimizers, cfg)
    with pytest.raises(GenlabError, match="use train.step=auto or eager"):
        cuda_graph.graphed_step(method, optimizers, cfg, torch.device("cpu"), fallback)


def test_cli_refuses_cuda_graph_on_cpu_before_the_run_folder(tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", "dense", "--quick", "--set", "train.step=cuda_graph", "--device", "cpu", "--out", str(out))
    assert result.returncode == 2
    assert_clean_error(result, "train.step=cuda_graph needs a CUDA GPU")
    assert not out.exists()


class _StandInGraph:
    """A CPU stand-in for a captured graph: replay runs the recorded step into the same outputs."""
    replays = 0

    def __init__(self, step, static, outputs):
        self.step, self.static, self.outputs = step, static, outputs

    def replay(self):
        _StandInGraph.replays += 1
        for name, loss in self.step(*self.static).items():
            self.outputs[name].total.copy_(loss.total.detach())
            for key, value in loss.parts.items():
                self.outputs[name].parts[key].copy_(value)


def _stand_in_capture(step, optimizers, x, y):
    """Records without running, as a capture does: runs `step` for its outputs, then puts
    back the parameters, optimiser state and RNG it moved."""
    params = [p for opt in optimizers.values() for g in opt.param_groups for p in g["params"]]
    saved = ([p.detach().clone() for p in params], {n: copy.deepcopy(o.state_dict()) for n, o in optimizers.items()},
             torch.get_rng_state())
    static = (x.clone(), y.clone())
    outputs = {n: type(loss)(loss.total.detach().clone(), {k: v.clone() for k, v in loss.parts.items()})
               for n, loss in step(*static).items()}
    with torch.no_grad():
        for p, value in zip(params, saved[0]):
            p.copy_(value)
    for name, opt in optimizers.items():
        opt.load_state_dict(saved[1][name])
    torch.set_rng_state(saved[2])
    return _StandInGraph(step, static, outputs), static, outputs, []


@pytest.mark.parametrize("model", ["dense_vae", "dense_gan"])  # random numbers in the loss; two optimisers
def test_graphed_bookkeeping_gives_eager_updates(tmp_path, monkeypatch, model):
    """Warm-up batches, the captured batch replayed once, replays, the partial batch eager:
    every batch gets exactly eager's updates (bit for bit with a stand-in graph on CPU)."""
    data = random_data(n_train=7 * 32 + 5)  # 7 full batches and a partial one per epoch
    eager = ModelDir(tmp_path / "eager")
    fit(spec(model, step="eager", schedule="cosine"), data, eager, 0, Options(progress=False), shape=(1, 28, 28), classes=10)
    monkeypatch.setattr(cuda_graph, "_unsupported", lambda *args: None)
    monkeypatch.setattr(cuda_graph, "_on_side_stream", lambda step, x, y: step(x, y))
    monkeypatch.setattr(cuda_graph, "_capture", _stand_in_capture)
    _StandInGraph.replays = 0
    graphed = ModelDir(tmp_path / "graphed")
    fit(spec(model, step="cuda_graph", schedule="cosine"), data, graphed, 0, Options(progress=False), shape=(1, 28, 28), classes=10)
    assert _StandInGraph.replays == 2 * (7 - cuda_graph.WARMUP)
    assert same_weights(eager, graphed)
    assert eager.read_metrics()[-1]["train"] == graphed.read_metrics()[-1]["train"]


# ---------------------------------------------------------------- CUDA GPU

@pytest.fixture(scope="module")
def fmnist():
    """Fashion-MNIST subsets where the data is found (GENLAB_DATA, ...), else random images;
    6,417 train images: a partial last batch at every batch size used here."""
    from genlab.data.splits import make_splits

    try:
        s = make_splits(DataConfig(val_size=1000, train_subset=6417, test_subset=2000), 0)
        return TrainData(s.train, s.val, s.test)
    except (GenlabError, OSError):
        return random_data(n_train=6417, n_val=512, n_test=512)


def _gpu_fit(tmp_path, name, model_spec, data, callbacks=(), resume=False) -> tuple[ModelDir, dict]:
    run = ModelDir(tmp_path / name)
    summary = fit(model_spec, data, run, 0, Options(device="cuda", progress=False, resume=resume), callbacks, shape=(1, 28, 28), classes=10)
    return run, summary


@GPU
@pytest.mark.parametrize("model, params, batch, tolerance", [
    ("dense_ae", {"latent_dim": 64}, 32, 0.03), ("dense_vae", {"hidden": [256]}, 128, 0.05),
    ("dense_dae", {}, 32, 0.03), ("dense_gan", {}, 256, 0.25)])
def test_graph_close_to_eager(tmp_path, fmnist, capfd, model, params, batch, tolerance):
    """Same initial weights, other random draws: close after 2 epochs (a GAN's losses, loosely)."""
    results = {}
    for mode in ("eager", "cuda_graph"):
        _, summary = _gpu_fit(tmp_path, mode, spec(model, batch_size=batch, params=params, step=mode), fmnist)
        results[mode] = summary["final"]["test"]
    assert FALLBACK not in capfd.readouterr().err
    for key, value in results["eager"].items():
        if model == "dense_gan" and not key.endswith("loss"):
            continue  # D's mean outputs swing early in a GAN's training
        assert abs(results["cuda_graph"][key] - value) <= tolerance * abs(value) + 1e-6, (key, results)


@GPU
def test_wgan_gp_captures_or_says_why(tmp_path, fmnist, capfd):
    """Double backward (the gradient penalty): captured, or the one fallback line."""
    small = TrainData(fmnist.train.head(1024), fmnist.val.head(256), fmnist.test.head(256))
    wgan = lambda step: spec("wgan_gp", epochs=1, batch_size=64, params={"width": 16}, steps={"critic": 2}, step=step)
    try:
        _, summary = _gpu_fit(tmp_path, "graph", wgan("cuda_graph"), small)
    except GenlabError as error:  # train.step=cuda_graph asked for it: one line saying why not
        assert "use train.step=auto or eager" in str(error) and "\n" not in str(error)
    else:
        assert all(v == v for v in summary["final"]["test"].values())  # finite, not NaN


def _frozen_step(model, params, batch=32):
    """A graphed step past its capture, on the GPU: (step, optimizers, a batch)."""
    torch.manual_seed(0)
    method = registry.build(model, params, shape=(1, 28, 28), classes=10).cuda()
    cfg = TrainConfig(batch_size=batch, step="cuda_graph")
    optimizers = make_optimizers(method, cfg)
    update = step_mod.make_step(method, optimizers, cfg, torch.device("cuda"))
    x = torch.rand(batch, 1, 28, 28, device="cuda")  # B×1×28×28
    y = torch.zeros(batch, dtype=torch.long, device="cuda")  # B
    for _ in range(cuda_graph.WARMUP + 1):
        update(x, y)
    assert update.graph is not None, "captured after the warm-up"
    return method, update, optimizers, (x, y)


@GPU
def test_replays_see_the_learning_rate_and_fresh_noise():
    method, update, optimizers, batch = _frozen_step("dense_vae", {"hidden": [256]})
    for group in optimizers["model"].param_groups:
        group["lr"] = 0.0  # what a schedule writes: the next replay must read it
    before = [p.detach().clone() for p in method.parameters()]
    first = update(*batch)["model"].total.item()
    second = update(*batch)["model"].total.item()
    assert all(torch.equal(a, p) for a, p in zip(before, method.parameters())), "lr 0: no change"
    assert first != second, "the VAE's noise is drawn afresh on each replay"
    for group in optimizers["model"].param_groups:
        group["lr"] = 1e-3
    update(*batch)
    assert any(not torch.equal(a, p) for a, p in zip(before, method.parameters()))
    assert all(isinstance(g["lr"], float) and not g["capturable"] for g in optimizers["model"].param_groups)


@GPU
def test_cosine_schedule_under_replay(tmp_path, fmnist, capfd):
    runs = {mode: _gpu_fit(tmp_path, mode, spec("dense_ae", schedule="cosine", step=mode), fmnist)
            for mode in ("eager", "cuda_graph")}
    assert FALLBACK not in capfd.readouterr().err
    lr = {mode: [r["lr"] for r in run.read_metrics()] for mode, (run, _) in runs.items()}
    assert lr["eager"] == lr["cuda_graph"]
    eager, graph = (summary["final"]["test"]["loss"] for _, summary in runs.values())
    assert abs(graph - eager) <= 0.03 * eager


@GPU
def test_graphed_runs_are_deterministic(tmp_path, fmnist):
    vae = spec("dense_vae", batch_size=128, params={"hidden": [256]}, step="cuda_graph")
    a, _ = _gpu_fit(tmp_path, "a", vae, fmnist)
    b, _ = _gpu_fit(tmp_path, "b", vae, fmnist)
    assert same_weights(a, b)


@GPU
@pytest.mark.parametrize("model, params, batch", [("dense_vae", {"hidden": [256]}, 128), ("dense_gan", {}, 256)])
def test_graphed_resume_equals_uninterrupted(tmp_path, fmnist, model, params, batch):
    graphed = spec(model, epochs=3, batch_size=batch, params=params, step="cuda_graph")
    full, _ = _gpu_fit(tmp_path, "full", graphed, fmnist)
    with pytest.raises(KeyboardInterrupt):
        _gpu_fit(tmp_path, "cut", graphed, fmnist, (StopAt(2),))
    cut, _ = _gpu_fit(tmp_path, "cut", graphed, fmnist, resume=True)
    assert same_weights(full, cut)


@GPU
@pytest.mark.parametrize("first, then", [("cuda_graph", "eager"), ("eager", "cuda_graph")])
def test_checkpoints_resume_across_step_modes(tmp_path, fmnist, first, then):
    ae = lambda step: spec("dense_ae", epochs=2, schedule="cosine", step=step)
    with pytest.raises(KeyboardInterrupt):
        _gpu_fit(tmp_path, "run", ae(first), fmnist, (StopAt(2),))
    _, summary = _gpu_fit(tmp_path, "run", ae(then), fmnist, resume=True)
    _, straight = _gpu_fit(tmp_path, "straight", ae("eager"), fmnist)
    resumed, expected = summary["final"]["test"]["loss"], straight["final"]["test"]["loss"]
    assert abs(resumed - expected) <= 0.03 * expected
