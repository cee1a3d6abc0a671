"""Figures: matplotlib plots written as PNGs into a run folder (Agg backend, no display)."""
import matplotlib

matplotlib.use("Agg")
