"""Generation quality: sampling, and FID / KID / precision-recall / IS / class histogram
measured in the feature space of a classifier of the run's dataset that genlab trains itself.

Modules: features (the feature CNN and its cache), scores (the numbers), samplers
(turning any trained model into something that samples), evaluate (a run folder →
metrics.json "generation" + figures), epoch_fid (training callback), figures, inception
(optional standard Inception-FID), interpolation (latent paths).
"""
