import json

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.speaker import AdditiveAngularMarginLoss
from keras_acorl.speaker import CosineClassifier
from keras_acorl.speaker import LogMelFrontend
from keras_acorl.speaker import embed_utterances
from keras_acorl.speaker import log_mel_spectrogram
from keras_acorl.speaker import score_systems
from keras_acorl.speaker import score_trials
from keras_acorl.speaker import small_ecapa_tdnn
from keras_acorl.speaker import speaker_classifier
from keras_acorl.speaker import speaker_encoder
from keras_acorl.speaker import thin_resnet_se
from keras_acorl.speaker import train_speaker_alliance
from keras_acorl.speaker import train_speaker_classifier
from keras_acorl.zoo import split_encoder_head
from tests.helpers import assert_weights_unchanged
from tests.helpers import run_model_saving_test
from tests.helpers import weights_snapshot
from tests.subprocess_run import failure_message
from tests.subprocess_run import run_python

MELS = 24


def tiny_resnet(**kwargs):
    return thin_resnet_se(
        num_mel_bins=MELS,
        channels=(4, 4),
        blocks_per_stage=(1, 1),
        embedding_dim=8,
        se_ratio=2,
        **kwargs,
    )


def tiny_ecapa(**kwargs):
    return small_ecapa_tdnn(
        num_mel_bins=MELS,
        channels=8,
        dilations=(2, 3),
        scale=2,
        se_channels=4,
        attention_channels=4,
        embedding_dim=8,
        **kwargs,
    )


def features(batch=4, frames=30, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, frames, MELS)).astype("float32")


@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="Same sizes on every backend; JAX compiles a random initializer "
    "per weight shape (tens of seconds on 2 cores).",
)
@pytest.mark.parametrize("builder", [thin_resnet_se, small_ecapa_tdnn])
def test_default_sizes_are_small(builder):
    model = builder()
    assert 100_000 <= model.count_params() <= 500_000
    assert model.input.shape == (None, None, 80)
    assert model.output.shape == (None, 128)
    assert model.layers[-1].name == "embedding"


def strided_pointwise_convs(model):
    """Names of the 1x1 convolutions with a stride > 1 and fewer than 16
    input or output channels: the shape that crashes oneDNN's AVX-512
    training kernels (issue 9)."""
    found = []
    for layer in _all_layers(model):
        if not isinstance(layer, keras.layers.Conv2D):
            continue
        channels = min(layer.filters, layer.input.shape[-1])
        if (
            set(layer.kernel_size) == {1}
            and max(layer.strides) > 1
            and channels < 16
        ):
            found.append(layer.name)
    return found


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def test_shipped_resnet_has_no_small_strided_pointwise_conv():
    from keras_acorl.cli.reproduce_speaker import SETTINGS

    shipped = [
        thin_resnet_se(num_mel_bins=MELS, channels=(4, 4, 8, 8)),
        *(
            thin_resnet_se(
                num_mel_bins=MELS, channels=settings["resnet_channels"]
            )
            for settings in SETTINGS.values()
        ),
    ]
    for model in shipped:
        assert strided_pointwise_convs(model) == []
        # The ResNet-D shortcut: pooling, then a stride-1 1x1 conv.
        pool = model.get_layer("stage1_block0_shortcut_pool")
        assert isinstance(pool, keras.layers.AveragePooling2D)
        conv = model.get_layer("stage1_block0_shortcut_conv")
        assert conv.kernel_size == (1, 1) and conv.strides == (1, 1)
    # The check finds the pattern it guards against.
    inputs = keras.Input((20, MELS, 4))
    bad = keras.Model(
        inputs, keras.layers.Conv2D(8, 1, strides=2, name="bad")(inputs)
    )
    assert strided_pointwise_convs(bad) == ["bad"]


# Run in a child process: a native crash there fails these tests only.
# First the thin ResNet-SE at 4 channels on the shape of issue 9 (before
# the ResNet-D shortcut, its fit segfaulted on torch even on AVX2 CPUs),
# then the bare strided 1x1 convolution that oneDNN's kernels fault on.
TRAINING_IN_A_CHILD = """
import json

import keras
import numpy as np

from keras_acorl.speaker import AdditiveAngularMarginLoss
from keras_acorl.speaker import embed_utterances
from keras_acorl.speaker import score_systems
from keras_acorl.speaker import score_trials
from keras_acorl.speaker import speaker_classifier
from keras_acorl.speaker import speaker_encoder
from keras_acorl.speaker import train_speaker_alliance
from keras_acorl.speaker import train_speaker_classifier
from keras_acorl.speaker import thin_resnet_se

rng = np.random.default_rng(0)
keras.utils.set_random_seed(0)
encoder = thin_resnet_se(
    channels=(4, 4), blocks_per_stage=(1, 1), embedding_dim=8
)
model = speaker_classifier(encoder, 4)
model.compile(
    optimizer=keras.optimizers.Adam(1e-2),
    loss=AdditiveAngularMarginLoss(margin=0.2, scale=10.0),
)
x = rng.normal(size=(8, 100, 80)).astype("float32")
history = model.fit(x, np.arange(8) % 4, epochs=3, verbose=0)
print(json.dumps(["resnet", history.history["loss"]]), flush=True)
for c in (8, 4):
    x = rng.normal(size=(8, 100, 80, c)).astype("float32")
    conv = keras.layers.Conv2D(c, 1, strides=2, use_bias=False)
    model = keras.Sequential([keras.Input((100, 80, c)), conv])
    model.compile(optimizer="sgd", loss="mse")
    y = np.zeros((8, 50, 40, c), "float32")
    history = model.fit(x, y, epochs=3, verbose=0)
    print(json.dumps([c, history.history["loss"]]), flush=True)
"""


@pytest.fixture(scope="module")
def child_training():
    process = run_python(["-c", TRAINING_IN_A_CHILD], check=False)
    losses = {}
    for line in process.stdout.splitlines():
        if line.startswith("["):
            key, values = json.loads(line)
            losses[key] = values
    return process, losses


def test_thin_resnet_se_trains_in_a_child_process(child_training):
    process, losses = child_training
    if "resnet" not in losses:
        pytest.fail(failure_message(["-c", "<the ResNet fit>"], process))
    assert len(losses["resnet"]) == 3
    # The point is that the fit completes (no native crash) with finite
    # losses; 3 epochs on random labels need not lower the loss.
    assert np.all(np.isfinite(losses["resnet"]))


@pytest.mark.parametrize("channels", [8, 4])
def test_strided_pointwise_conv_in_a_child_process(child_training, channels):
    process, losses = child_training
    if channels not in losses:
        if process.returncode < 0:
            # The backend's own fault (oneDNN; torch 2.13 with 4 channels
            # here, AVX-512 CPUs with 4 or 8): reported, not failed, since
            # the shipped models avoid the shape (test above and below).
            pytest.xfail(failure_message(["-c", "<the Conv2D fit>"], process))
        pytest.fail(failure_message(["-c", "<the Conv2D fit>"], process))
    assert losses[channels][2] < losses[channels][0]


@pytest.mark.parametrize("builder", [tiny_resnet, tiny_ecapa])
def test_classifier_saves_and_takes_any_number_of_frames(builder, tmp_path):
    classifier = speaker_classifier(builder(), num_speakers=5)
    assert classifier.output.shape == (None, 5)
    restored = run_model_saving_test(classifier, features(), tmp_path)
    cosines = restored.predict(features(frames=13), verbose=0)
    assert cosines.shape == (4, 5) and np.abs(cosines).max() <= 1.0 + 1e-6
    # The split gives the encoder up to "embedding" and the cosine head.
    encoder, head = split_encoder_head(classifier)
    assert encoder.output is classifier.get_layer("embedding").output
    assert isinstance(head.layers[-1], CosineClassifier)
    assert head.layers[-1] is classifier.layers[-1]


def test_waveform_input_matches_features_input(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(4000) / 16000.0
    audio = np.stack(
        [
            0.3 * np.sin(2 * np.pi * f * t) + 0.01 * rng.normal(size=t.size)
            for f in (300.0, 700.0)
        ]
    ).astype("float32")
    on_features = tiny_ecapa()
    on_audio = tiny_ecapa(frontend=True)
    assert on_audio.input.shape == (None, None)
    assert isinstance(on_audio.get_layer("log_mel"), LogMelFrontend)
    on_audio.set_weights(on_features.get_weights())
    expected = on_features.predict(
        np.stack([log_mel_spectrogram(a, num_mel_bins=MELS) for a in audio]),
        verbose=0,
    )
    run_model_saving_test(on_audio, audio, tmp_path)
    actual = on_audio.predict(audio, verbose=0)
    np.testing.assert_allclose(
        actual, expected, atol=0.02 * np.abs(expected).max()
    )


def test_complementary_model_trains_a_speaker_alliance():
    num_speakers = 3
    base = speaker_classifier(tiny_resnet(name="base"), num_speakers)
    alliance = tiny_ecapa(name="alliance")
    model = keras_acorl.ComplementaryModel(
        base_models=[base],
        alliance=alliance,
        head=CosineClassifier(num_speakers, name="cosine"),
        base_representation="embedding",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=AdditiveAngularMarginLoss(margin=0.2, scale=10.0),
    )
    x = features(batch=16)
    y = np.arange(16) % num_speakers
    base_before = weights_snapshot(base)
    alliance_before = weights_snapshot(alliance)
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert np.isfinite(history.history["adversarial_loss"]).all()
    assert_weights_unchanged(base_before, base)
    changed = [
        not np.allclose(value, keras.ops.convert_to_numpy(v))
        for v in alliance.trainable_weights
        for path, value in alliance_before.items()
        if path == v.path
    ]
    assert all(changed)


class Crops(keras.utils.PyDataset):
    """Two batches of 8 random crops of 3 speakers."""

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return features(batch=8, seed=index), np.arange(8) % 3


def test_training_and_scoring_functions():
    base, history = train_speaker_classifier(
        tiny_resnet(name="base"), Crops(), 3, epochs=2, learning_rate=1e-2
    )
    assert len(history.history["loss"]) == 2
    # The learning rate decays over every step of training.
    assert float(base.optimizer.learning_rate) < 1e-2 * 0.5
    base_before = weights_snapshot(base)
    alliance, history = train_speaker_alliance(
        base, tiny_ecapa(name="alliance"), Crops(), 3, epochs=1
    )
    assert "adversary_fit_0" in history.history
    assert_weights_unchanged(base_before, base)
    assert alliance.output.shape == (None, 3)

    class Utterances:
        utterances = ["a/s/1.wav", "a/s/2.wav", "b/s/1.wav"]

        def load(self, utt_id):
            return features(batch=1, frames=20, seed=len(utt_id))[0]

    trials = [(1, "a/s/1.wav", "a/s/2.wav"), (0, "a/s/1.wav", "b/s/1.wav")]
    encoders = {
        "base": speaker_encoder(base),
        "alliance": speaker_encoder(alliance),
    }
    scores, labels, embeddings = score_systems(encoders, Utterances(), trials)
    assert labels.tolist() == [1, 0]
    for name, encoder in encoders.items():
        alone, _ = score_trials(trials, embed_utterances(encoder, Utterances()))
        np.testing.assert_allclose(scores[name], alone, atol=1e-5)
        assert sorted(embeddings[name]) == Utterances.utterances
    with pytest.raises(ValueError, match="layer named 'embedding'"):
        speaker_encoder(keras.Sequential([keras.Input((3,))]))
    with pytest.raises(TypeError, match="`encoders` must be a non-empty"):
        score_systems([], Utterances(), trials)


def test_speaker_objective_scales_cosines_or_refuses():
    from keras_acorl.speaker.speaker_training import speaker_objective

    objective = speaker_objective("ensemble", 30.0)
    assert isinstance(objective, keras_acorl.objectives.EnsembleObjective)
    assert objective.logit_scale == 30.0 and objective.from_logits
    assert speaker_objective("independence", 30.0).objective_name == (
        "independence"
    )
    given = keras_acorl.objectives.EnsembleObjective(logit_scale=5.0)
    assert speaker_objective(given, 30.0) is given
    with pytest.raises(ValueError, match="from_logits=False.*cosines"):
        speaker_objective(
            keras_acorl.objectives.EnsembleObjective(from_logits=False), 30.0
        )
    with pytest.raises(ValueError, match="objective.*'dice'"):
        speaker_objective("dice", 30.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="blocks_per_stage"):
        thin_resnet_se(channels=(4, 8), blocks_per_stage=(1,))
    with pytest.raises(ValueError, match="scale"):
        small_ecapa_tdnn(channels=10, scale=4)
    with pytest.raises(TypeError, match="frontend"):
        small_ecapa_tdnn(frontend="yes")
    with pytest.raises(TypeError, match="encoder"):
        speaker_classifier("model", 3)
    with pytest.raises(ValueError, match="num_speakers"):
        speaker_classifier(tiny_resnet(), 0)
