"""Every public class's docstring example runs."""

import importlib
import os
import re
import shutil
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
    "keras_acorl.models.composite_model:CompositeModel",
    "keras_acorl.datasets.cluttered:clutter_images",
    "keras_acorl.datasets.image_folder:load_image_folder",
    "keras_acorl.datasets.imagenet100:imagenet100_classes",
    "keras_acorl.zoo.backbone_classifier:backbone_classifier",
    "keras_acorl.zoo.resnet_classifier:resnet_classifier",
    "keras_acorl.speaker.log_mel:log_mel_spectrogram",
    "keras_acorl.speaker.log_mel_frontend:LogMelFrontend",
    "keras_acorl.speaker.statistics_pooling:StatisticsPooling",
    "keras_acorl.speaker.attentive_statistics_pooling:"
    "AttentiveStatisticsPooling",
    "keras_acorl.speaker.se_res2_block:SERes2Block",
    "keras_acorl.speaker.cosine_classifier:CosineClassifier",
    "keras_acorl.speaker.additive_angular_margin_loss:AdditiveAngularMarginLoss",
    "keras_acorl.speaker.thin_resnet_se:thin_resnet_se",
    "keras_acorl.speaker.small_ecapa_tdnn:small_ecapa_tdnn",
    "keras_acorl.speaker.speaker_classifier:speaker_classifier",
]
# Speaker-verification data, scoring and metrics: NumPy-only examples, run
# in one test (clearing the Keras session after each test is the slow part).
SPEAKER_PUBLIC = [
    "keras_acorl.speaker.verification_metrics:det_curve",
    "keras_acorl.speaker.verification_metrics:equal_error_rate",
    "keras_acorl.speaker.verification_metrics:min_dcf",
    "keras_acorl.speaker.trial_list:read_trial_list",
    "keras_acorl.speaker.trial_list:write_trial_list",
    "keras_acorl.speaker.voxceleb_corpus:VoxCelebCorpus",
    "keras_acorl.speaker.speaker_crop_dataset:SpeakerCropDataset",
    "keras_acorl.speaker.synthetic_speakers:generate_speaker_corpus",
    "keras_acorl.speaker.wav_io:load_wav",
    "keras_acorl.speaker.wav_io:write_wav",
    "keras_acorl.speaker.resample:resample_waveform",
    "keras_acorl.speaker.cosine_scoring:cosine_scores",
    "keras_acorl.speaker.cosine_scoring:l2_normalize",
    "keras_acorl.speaker.cosine_scoring:trial_embeddings",
    "keras_acorl.speaker.cosine_scoring:score_trials",
    "keras_acorl.speaker.score_normalization:s_norm",
    "keras_acorl.speaker.score_normalization:speaker_cohort",
    "keras_acorl.speaker.score_fusion:fuse_scores",
    "keras_acorl.speaker.logistic_score_fusion:LogisticScoreFusion",
    "keras_acorl.speaker.det_plot:plot_det_curves",
    "keras_acorl.speaker.log_mel_corpus:LogMelCorpus",
    "keras_acorl.speaker.utterance_embeddings:embed_utterances",
]
# Examples that run the speech synthesizers: skipped where they are missing,
# except under CI (`make test` installs them).
NEEDS_SYNTHESIZERS = {
    "keras_acorl.speaker.synthetic_speakers:generate_speaker_corpus"
}


def run_examples(target):
    module, name = target.split(":")
    obj = getattr(importlib.import_module(module), name)
    examples = re.findall(r"```python\n(.*?)```", obj.__doc__, re.S)
    assert examples, f"{name} has no runnable example"
    for code in examples:
        exec(textwrap.dedent(code), {})


@pytest.mark.parametrize("target", PUBLIC)
def test_docstring_example_runs(target):
    run_examples(target)


def test_speaker_docstring_examples_run():
    missing = [p for p in ("espeak-ng", "flite") if shutil.which(p) is None]
    skip = missing and os.getenv("CI") != "true"
    for target in SPEAKER_PUBLIC:
        if target in NEEDS_SYNTHESIZERS and skip:
            continue
        run_examples(target)
