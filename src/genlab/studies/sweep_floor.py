"""The floor a model study puts under a sweep: for a sweep of one autoencoder's latent size,
PCA's test reconstruction error with as many components (closed form, on the same training
images), the linear model of that size any nonlinear one should beat."""
from __future__ import annotations

from genlab import registry
from genlab.config import DataConfig, study_from_dict
from genlab.data.splits import make_splits
from genlab.representation.linear_floor import pca_test_mse
from genlab.typed_settings import from_dict

LATENT = "latent_dim"
TEST_LOSS = "summary:final.test.loss"


def latent_floor(vary: dict, raw_config: dict) -> dict | None:
    """The floor of a one-setting sweep of `models.NAME.params.latent_dim`, where NAME's test loss
    is the mean squared error per pixel (what PCA minimises); None for any other sweep."""
    key, values = next(iter(vary.items()))
    parts = key.split(".")
    if not (len(parts) == 4 and parts[0] == "models" and parts[2] == "params" and parts[3] == LATENT):
        return None
    sizes = sorted({int(v) for v in values if isinstance(v, int) and not isinstance(v, bool) and v > 0})
    config = study_from_dict(raw_config)
    names = [m.name for m in config.models]
    if not sizes or parts[1] not in names:
        return None
    splits = make_splits(from_dict(DataConfig, raw_config["data"], "data"), config.seed)
    facts = splits.facts
    spec = config.model(parts[1])
    method = registry.build_meta(spec.model, spec.params, shape=facts.shape, classes=facts.num_classes or None)
    if "reconstruct" not in method.capabilities() or method.traits().get("loss") != "MSE":
        return None
    return {"model": spec.name, "metric": TEST_LOSS, "x": sizes, "y": pca_test_mse(splits.train.images,
                                                                                  splits.test.images, sizes),
            "label": "PCA (linear floor)", "name": "PCA's linear floor", "quantity": "test MSE",
            "caption": (f"the linear floor for {spec.title} — PCA's test MSE per pixel with that many components, "
                        f"fitted on the same {len(splits.train):,} training images"),
            "above": "a linear code of that size reconstructs the test images better",
            "below": "the nonlinearity pays off", "n_train": len(splits.train), "n_test": len(splits.test)}
