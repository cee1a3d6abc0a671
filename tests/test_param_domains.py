"""Model params are checked first, without torch: a typo in a study file is answered before
any heavy import (issue: errors took 10-25 s to appear)."""
import subprocess
import sys

import pytest

from genlab import param_domains
from genlab.config import load_study
from genlab.errors import GenlabError
from genlab.studies.base import Runtime
from genlab.studies.runner import check_study


def test_reading_a_study_with_a_bad_param_refuses_it_without_importing_torch():
    code = ("import sys\nfrom genlab.config import load_study\nfrom genlab.errors import GenlabError\n"
            "from genlab.studies.base import Runtime\nfrom genlab.studies.runner import check_study\n"
            "try:\n    check_study(load_study('dense', ['models.ae64.params.latent_dim=-3']), Runtime())\n"
            "except GenlabError as e:\n    print(e)\n"
            "print('torch imported' if 'torch' in sys.modules else 'torch not imported')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "latent_dim=-3: must be a whole number" in out
    assert "torch not imported" in out


@pytest.mark.parametrize("override", ["models.ae64.params.latent_act=swish", "models.vae.params.hidden=[]",
                                      "models.gan_normal.params.prior=cauchy", "models.ae64.params.depth=3"])
def test_each_bad_param_is_one_line_naming_it(override):
    with pytest.raises(GenlabError) as err:
        check_study(load_study("dense", [override]), Runtime())
    assert override.split(".")[3].split("=")[0] in str(err.value) and "\n" not in str(err.value)


def test_the_networks_use_exactly_the_choices_that_are_checked():
    from genlab.nn import conv, dense

    assert tuple(dense.ACTIVATIONS) == param_domains.DENSE_ACTIVATIONS
    assert tuple(conv.ACTIVATIONS) == param_domains.CONV_ACTIVATIONS
