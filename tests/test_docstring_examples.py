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
    "keras_acorl.datasets.cluttered:clutter_images",
    "keras_acorl.datasets.image_folder:load_image_folder",
    "keras_acorl.datasets.imagenet100:imagenet100_classes",
    "keras_acorl.zoo.backbone_classifier:backbone_classifier",
    "keras_acorl.zoo.resnet_classifier:resnet_classifier",
]


@pytest.mark.parametrize("target", PUBLIC)
def test_docstring_example_runs(target):
    module, name = target.split(":")
    obj = getattr(importlib.import_module(module), name)
    examples = re.findall(r"```python\n(.*?)```", obj.__doc__, re.S)
    assert examples, f"{name} has no runnable example"
    for code in examples:
        exec(textwrap.dedent(code), {})
