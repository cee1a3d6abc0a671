"""Bad settings of the `gen` study and of its new models are refused before the run folder
exists: one `genlab: error:` line naming the key, exit code 2, nothing left behind."""
from __future__ import annotations

import pytest

from genlab import cli
from cli_helpers import Ran




def run_gen(args: list[str], out, capsys) -> tuple[int | str, list[str]]:
    try:
        code = cli.main(["run", "gen", "--quick", *args, "--out", str(out), "--no-progress"])
    except Ran:
        code = "ran"
    except SystemExit as exc:
        code = exc.code
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return code, lines


@pytest.mark.parametrize("setting,fragment", [
    ("models.wgan_gp.params.gp_weight=-1", "gp_weight=-1: must be a number from 0"),
    ("models.wgan_gp.params.gp_weight=nan", "gp_weight"),
    ("models.wgan_gp.params.critic_norm=batch", "critic_norm='batch': must be one of layer, none"),
    ("models.wgan_gp.params.n_critic=5", "has no parameter 'n_critic'"),
    ("models.wgan_gp.train.steps={critic: -1}", "train.steps values must be whole numbers from 1 to 100"),
    ("models.wgan_gp.train.steps={critic: 0}", "train.steps values must be whole numbers from 1 to 100"),
    ("models.wgan_gp.train.steps={discriminator: 5}", "this model's optimisers are: critic, generator"),
    ("models.dcgan.train.steps={critic: 5}", "this model's optimisers are: discriminator, generator"),
    ("models.conv_vae_gen.params.beta=-1", "beta=-1: must be a number from 0"),
    ("models.vae.params.beta=x", "beta='x'"),
    ("models.conv_vae_gen.params.width=0", "width=0"),
    ("analysis.latent_interpolation.steps=1", "analysis.latent_interpolation.steps must be from 2"),
    ("analysis.latent_interpolation.pairs=0", "analysis.latent_interpolation.pairs must be from 1"),
    ("analysis.generation.samples=5", "analysis.generation.samples must be from 10"),
    ("analysis.generation.epoch_fid=[nosuch]", "asked for model 'nosuch', which is not a model of this study"),
    # the diffusion, flow and conditional models' params
    ("models.ddpm.params.eta=2", "eta=2: must be a number from 0 to 1"),
    ("models.ddpm.params.timesteps=3", "timesteps=3: must be a whole number from 4"),
    ("models.ddpm.params.levels=4", "for 28×28 use levels from 1 to 3"),
    ("models.flow.params.sampler=rk4", "sampler='rk4': must be one of euler, heun"),
    ("models.flow.params.time_sampling=normal", "time_sampling='normal': must be one of uniform, logit_normal"),
    ("models.flow.params.ema_decay=1", "ema_decay=1: must be a number from 0 to 0.99999"),
    ("models.flow_cond.params.guidance=-1", "guidance=-1: must be a number from 0 to 100"),
    ("models.flow_cond.params.label_dropout=1", "label_dropout=1: must be a number from 0 to 0.99"),
    ("models.flow.params.conditional=2", "conditional=2: must be true or false"),
    ("models.ddpm.params.sample_steps=0", "sample_steps=0: must be a whole number from 1"),
    ("models.cdcgan.params.width=0", "width=0"),
    ("models.cvae.params.beta=-1", "beta=-1: must be a number from 0"),
    ("analysis.sampling_cost.steps=[0]", "analysis.sampling_cost.steps must be a list of whole numbers"),
    ("analysis.sampling_cost.samples=1", "analysis.sampling_cost.samples must be from 10"),
    ("analysis.conditional_generation.samples=1", "analysis.conditional_generation.samples must be from 2"),
    ("analysis.generation.epoch_fid_steps=0", "analysis.generation.epoch_fid_steps must be from 1"),
    ("analysis.generation_samples=100", "unknown key 'analysis.generation_samples' for the gen study"),
    ("analysis.samples.nosuch=1", "unknown key 'analysis.samples.nosuch'"),
])
def test_bad_setting_is_one_line_before_the_run_folder(setting, fragment, tmp_path, capsys, stop_before_training):
    out = tmp_path / "run"
    code, lines = run_gen(["--set", setting], out, capsys)
    assert code == 2 and len(lines) == 1 and lines[0].startswith("genlab: error: "), (code, lines)
    assert fragment in lines[0], lines[0]
    assert not out.exists()


def test_shipped_quick_settings_pass_every_check(tmp_path, capsys, stop_before_training):
    code, lines = run_gen([], tmp_path / "run", capsys)
    assert code == "ran", lines
