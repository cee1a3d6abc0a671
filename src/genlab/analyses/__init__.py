"""Analyses: one module per thing a study measures on its trained models, each with its own
settings, the capabilities it needs and its report section (see genlab.analyses.base)."""
