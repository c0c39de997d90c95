import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.speaker import AdditiveAngularMarginLoss
from keras_acorl.speaker import CosineClassifier
from keras_acorl.speaker import LogMelFrontend
from keras_acorl.speaker import log_mel_spectrogram
from keras_acorl.speaker import small_ecapa_tdnn
from keras_acorl.speaker import speaker_classifier
from keras_acorl.speaker import thin_resnet_se
from keras_acorl.zoo import split_encoder_head
from tests.helpers import assert_weights_unchanged
from tests.helpers import run_model_saving_test
from tests.helpers import weights_snapshot

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
