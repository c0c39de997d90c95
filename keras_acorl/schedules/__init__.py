"""Schedules for the gradient reversal scale."""

from keras_acorl.schedules.dann_ramp import DANNRamp

__all__ = ["DANNRamp"]
