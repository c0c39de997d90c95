"""Every public class's docstring example runs."""

import importlib
import re
import textwrap

import pytest

PUBLIC = [
    "keras_acorl.models.complementary_model:ComplementaryModel",
    "keras_acorl.models.meal_distiller:MEALDistiller",
    "keras_acorl.models.fusion_ensemble:FusionEnsemble",
    "keras_acorl.callbacks.gradient_reversal_scheduler:"
    "GradientReversalScheduler",
    "keras_acorl.schedules.dann_ramp:DANNRamp",
    "keras_acorl.layers.gradient_reversal:GradientReversal",
    "keras_acorl.layers.adaptive_pool_align:AdaptivePoolAlign",
    "keras_acorl.layers.discriminator:Discriminator",
    "keras_acorl.layers.adversary:Adversary",
    "keras_acorl.data.teacher_outputs:precompute_teacher_outputs",
    "keras_acorl.data.base_representations:precompute_base_representations",
    "keras_acorl.audio.log_mel:log_mel_spectrogram",
    "keras_acorl.layers.log_mel_frontend:LogMelFrontend",
    "keras_acorl.layers.statistics_pooling:StatisticsPooling",
    "keras_acorl.layers.attentive_statistics_pooling:"
    "AttentiveStatisticsPooling",
    "keras_acorl.layers.se_res2_block:SERes2Block",
    "keras_acorl.layers.cosine_classifier:CosineClassifier",
    "keras_acorl.losses.additive_angular_margin_loss:AdditiveAngularMarginLoss",
    "keras_acorl.zoo.thin_resnet_se:thin_resnet_se",
    "keras_acorl.zoo.small_ecapa_tdnn:small_ecapa_tdnn",
    "keras_acorl.zoo.speaker_classifier:speaker_classifier",
]


@pytest.mark.parametrize("target", PUBLIC)
def test_docstring_example_runs(target):
    module, name = target.split(":")
    obj = getattr(importlib.import_module(module), name)
    examples = re.findall(r"```python\n(.*?)```", obj.__doc__, re.S)
    assert examples, f"{name} has no runnable example"
    for code in examples:
        exec(textwrap.dedent(code), {})
