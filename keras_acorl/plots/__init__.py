"""Plots: DET curves."""

from keras_acorl.plots.det_plot import plot_det_curves

__all__ = ["plot_det_curves"]
