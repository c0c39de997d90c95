"""Bad input to the NumPy-only parts (analysis, speaker scoring and I/O,
datasets, argument checks) gets an error naming the argument or file."""

import json
import os

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl import argument_checks
from keras_acorl.analysis import linear_cka
from keras_acorl.datasets import load_image_folder
from keras_acorl.datasets import load_mnist5k
from keras_acorl.schedules import DANNRamp
from keras_acorl.speaker import LogisticScoreFusion
from keras_acorl.speaker import VoxCelebCorpus
from keras_acorl.speaker import cosine_scores
from keras_acorl.speaker import generate_speaker_corpus
from keras_acorl.speaker import load_wav
from keras_acorl.speaker import min_dcf
from keras_acorl.speaker import read_trial_list
from keras_acorl.speaker import score_systems
from keras_acorl.speaker import score_trials
from keras_acorl.speaker import write_wav

pytestmark = pytest.mark.backend_free


@pytest.mark.parametrize("samples", [0, 1])
def test_linear_cka_needs_two_samples(samples):
    with pytest.raises(ValueError, match="`a` must hold at least 2 samples"):
        linear_cka(np.ones((samples, 3)), np.ones((samples, 3)))


def test_cosine_scoring_refuses_non_finite_embeddings():
    with pytest.raises(ValueError, match="`enrollment` contains NaN"):
        cosine_scores([[np.nan, 1.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match="`embeddings` contains NaN"):
        score_trials([(1, "a", "b")], {"a": [1.0, 0.0], "b": [np.inf, 0.0]})


def test_logistic_score_fusion_arguments():
    with pytest.raises(ValueError, match="`tol` must be > 0.*tol=-1"):
        LogisticScoreFusion(tol=-1.0)
    with pytest.raises(ValueError, match="`l2` must be >= 0"):
        LogisticScoreFusion(l2=-0.1)
    with pytest.raises(TypeError, match="`max_iter` must be a positive int"):
        LogisticScoreFusion(max_iter=True)
    assert LogisticScoreFusion(prior=np.float32(0.25)).prior == 0.25
    assert LogisticScoreFusion(max_iter=np.int64(5)).max_iter == 5
    with pytest.raises(ValueError, match="`prior`.*\\(0, 1\\)"):
        LogisticScoreFusion(prior=np.float64(1.0))


def test_logistic_score_fusion_refuses_separable_data_without_l2():
    scores = np.array([[0.0], [1.0], [2.0], [3.0]])
    labels = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="`l2`=0.0 .* separate"):
        LogisticScoreFusion().fit(scores, labels)
    fitted = LogisticScoreFusion(l2=0.1).fit(scores, labels)
    assert np.isfinite(fitted.coef_).all() and fitted.coef_[0] > 0


def test_min_dcf_takes_numpy_scalars():
    scores, labels = np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])
    plain = min_dcf(scores, labels, p_target=0.05, c_miss=1.0, c_fa=2.0)
    numpy = min_dcf(
        scores,
        labels,
        p_target=np.float32(0.05),
        c_miss=np.int64(1),
        c_fa=np.float64(2.0),
    )
    assert numpy[0] == pytest.approx(plain[0], rel=1e-6)
    with pytest.raises(ValueError, match="`c_fa` must be a finite"):
        min_dcf(scores, labels, c_fa=np.float64(np.inf))
    with pytest.raises(TypeError, match="`c_miss` must be a real number"):
        min_dcf(scores, labels, c_miss=True)


def test_truncated_wav_is_refused_with_its_name(tmp_path):
    path = str(tmp_path / "cut.wav")
    write_wav(path, 0.1 * np.ones(1600, "float32"), sample_rate=16000)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-1000])
    with pytest.raises(ValueError, match="cut.wav' is truncated"):
        load_wav(path)
    whole = str(tmp_path / "whole.wav")
    with open(whole, "wb") as f:
        f.write(data)
    assert load_wav(whole).shape == (1600,)


def test_trial_list_empty_or_not_utf8_names_the_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(ValueError, match="empty.txt' holds no trials"):
        read_trial_list(empty)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("1 caf\xe9/a.wav b.wav\n".encode("latin-1"))
    with pytest.raises(ValueError, match="latin.txt' is not UTF-8"):
        read_trial_list(latin)


def test_score_systems_refuses_an_empty_trial_list():
    encoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="`trials` is empty"):
        score_systems({"a": encoder}, corpus=None, trials=[])


def test_voxceleb_corpus_sample_rate(tmp_path):
    with pytest.raises(TypeError, match="`sample_rate`.*'16k'"):
        VoxCelebCorpus(tmp_path, sample_rate="16k")
    with pytest.raises(ValueError, match="`sample_rate` must be a positive"):
        VoxCelebCorpus(tmp_path, sample_rate=0)


@pytest.mark.parametrize(
    "snr_db, error", [(float("nan"), ValueError), (-np.inf, ValueError)]
)
def test_generate_speaker_corpus_checks_snr_before_synthesis(
    tmp_path, snr_db, error
):
    with pytest.raises(error, match="`snr_db` must be a finite number"):
        generate_speaker_corpus(tmp_path / "c", snr_db=snr_db, verbose=False)
    assert not (tmp_path / "c").exists()


def test_generate_speaker_corpus_output_dir(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    with pytest.raises(ValueError, match="`output_dir`.*a_file' is a file"):
        generate_speaker_corpus(a_file, preset="quick", verbose=False)
    with pytest.raises(ValueError, match="`output_dir` .* not a writable"):
        generate_speaker_corpus(a_file / "below", preset="quick", verbose=False)
    with pytest.raises(ValueError, match="`output_dir` .* not a writable"):
        generate_speaker_corpus(
            "/proc/keras_acorl_corpus", preset="quick", verbose=False
        )
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "manifest.json").write_text('{"config": ')
    with pytest.raises(ValueError, match="manifest.json' is corrupt"):
        generate_speaker_corpus(corrupt, preset="quick", verbose=False)
    (corrupt / "manifest.json").write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match="manifest.json' is corrupt"):
        generate_speaker_corpus(corrupt, preset="quick", verbose=False)


def test_load_mnist5k_seed():
    with pytest.raises(ValueError, match="`seed` must be an int in"):
        load_mnist5k(seed=-1)
    with pytest.raises(TypeError, match="`seed` must be an int in"):
        load_mnist5k(seed=0.5)


def _image_folder(root, per_class=3, size=8):
    for name in ("cat", "dog"):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for i in range(per_class):
            image = np.random.randint(0, 255, (size, size, 3), dtype="uint8")
            keras.utils.save_img(os.path.join(root, name, f"{i}.png"), image)
    return root


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(batch_size=0), ValueError, "`batch_size` must be a positive"),
        (dict(image_size=8), TypeError, "`image_size` must be a pair"),
        (dict(image_size=(0, -1)), ValueError, "`image_size`.*\\(0, -1\\)"),
        (dict(seed=-1), ValueError, "`seed` must be an int in"),
        (dict(color_mode="rbg"), ValueError, "`color_mode`"),
    ],
)
def test_load_image_folder_arguments(tmp_path, kwargs, error, match):
    root = _image_folder(str(tmp_path))
    with pytest.raises(error, match=match):
        load_image_folder(root, **kwargs)


def test_load_image_folder_names_a_corrupt_or_truncated_image(tmp_path):
    root = _image_folder(str(tmp_path))
    png = os.path.join(root, "dog", "1.png")
    with open(png, "rb") as f:
        data = f.read()
    with open(png, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="1.png' cannot be decoded"):
        load_image_folder(root, image_size=(8, 8))
    with open(png, "wb") as f:
        f.write(b"not an image at all")
    with pytest.raises(ValueError, match="1.png' cannot be decoded"):
        load_image_folder(root, image_size=(8, 8))
    os.remove(png)
    jpeg = os.path.join(root, "dog", "cut.jpg")
    image = np.random.randint(0, 255, (8, 8, 3), dtype="uint8")
    keras.utils.save_img(jpeg, image)
    with open(jpeg, "rb") as f:
        data = f.read()
    with open(jpeg, "wb") as f:
        f.write(data[:-40])
    with pytest.raises(ValueError, match="cut.jpg' is truncated"):
        load_image_folder(root, image_size=(8, 8))


def test_load_image_folder_one_image_per_class(tmp_path):
    root = _image_folder(str(tmp_path), per_class=1)
    with pytest.raises(ValueError, match="`validation_fraction`.* at least 2"):
        load_image_folder(root, image_size=(8, 8))


def test_numpy_scalars_are_accepted_and_bool_nan_inf_refused():
    ramp = DANNRamp(gamma=np.float32(5.0), low=np.int64(0))
    assert ramp.gamma == 5.0 and ramp.low == 0.0
    assert argument_checks.check_positive_int(np.int64(3), "total_steps") == 3
    for bad in (True, np.bool_(True)):
        with pytest.raises(TypeError, match="`gamma` must be a real number"):
            DANNRamp(gamma=bad)
    with pytest.raises(ValueError, match="`gamma` must be a finite number"):
        DANNRamp(gamma=float("nan"))
    with pytest.raises(ValueError, match="`low` must be a finite number"):
        DANNRamp(low=float("inf"))
    with pytest.raises(TypeError, match="`total_steps` must be a positive"):
        argument_checks.check_positive_int(2.0, "total_steps")


def test_subpackages_are_reachable_from_the_package():
    assert {"analysis", "datasets", "speaker", "zoo"} <= set(dir(keras_acorl))
    assert callable(keras_acorl.zoo.small_cnn)
    assert callable(keras_acorl.datasets.load_mnist5k)
    assert callable(keras_acorl.analysis.linear_cka)
    assert callable(keras_acorl.speaker.load_wav)
    with pytest.raises(AttributeError, match="no attribute 'metrics'"):
        keras_acorl.metrics  # noqa: B018
