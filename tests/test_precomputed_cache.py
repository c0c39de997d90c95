"""`CompositeModel.precompute` / `precompute_dataset`: batched, memory-mapped
caches keyed to the frozen models and the data."""

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.models.precomputed_dataset import PrecomputedDataset

NUM_CLASSES = 3
FEATURES = 6


def mlp(name, width=8):
    inputs = keras.Input(shape=(FEATURES,))
    hidden = keras.layers.Dense(width, activation="relu", name="embedding")(
        inputs
    )
    return keras.Model(
        inputs,
        keras.layers.Dense(NUM_CLASSES, name="logits")(hidden),
        name=name,
    )


def data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, FEATURES)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, size=(n,))
    return x, y


def complementary():
    keras.utils.set_random_seed(0)
    model = keras_acorl.ComplementaryModel(
        [mlp("base_a"), mlp("base_b", width=5)],
        mlp("alliance"),
        base_representation="embedding",
        adversarial_weight=0.7,
        gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
        total_steps=10,
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def distiller():
    keras.utils.set_random_seed(0)
    model = keras_acorl.MEALDistiller(
        [mlp("teacher_a"), mlp("teacher_b", width=5)],
        mlp("student"),
        teacher_mode="mean",
        taps=None,
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    return model


FACTORIES = {"complementary": complementary, "meal": distiller}


class StepLosses(keras.callbacks.Callback):
    """The loss of each training step (Keras logs a running mean)."""

    def __init__(self):
        super().__init__()
        self.means = []

    def on_train_batch_end(self, batch, logs=None):
        self.means.append(float(logs["loss"]))

    def losses(self):
        sums = [m * (i + 1) for i, m in enumerate(self.means)]
        return [s - p for s, p in zip(sums, [0.0, *sums])]


def two_step_losses(model, x, y, cached):
    """The losses of two SGD steps of 24 samples (one epoch, in order)."""
    labels = [y] if isinstance(model, keras_acorl.ComplementaryModel) else []
    recorder = StepLosses()
    if cached:
        dataset = model.precompute_dataset(
            x, *labels, batch_size=24, shuffle=False
        )
        model.fit(dataset, epochs=1, verbose=0, callbacks=[recorder])
    else:
        model.fit(
            x,
            *labels,
            batch_size=24,
            shuffle=False,
            epochs=1,
            verbose=0,
            callbacks=[recorder],
        )
    return recorder.losses()


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_cached_and_live_training_give_the_same_losses(kind):
    x, y = data()
    # The same initial weights (same seed), the same batches.
    live = two_step_losses(FACTORIES[kind](), x, y, cached=False)
    stored = two_step_losses(FACTORIES[kind](), x, y, cached=True)
    # Step 2 starts from step 1's update: equal only if the gradients were.
    np.testing.assert_allclose(stored, live, rtol=1e-5)


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_memory_mapped_cache_matches_the_frozen_models(kind, tmp_path):
    x, _ = data(n=37)
    model = FACTORIES[kind]()
    in_memory = model.precompute(x, batch_size=8)
    mapped = model.precompute(x, batch_size=16, path=tmp_path / "cache")
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        "cache.json",
        *[
            f"precomputed_{i}.npy"
            for i in range(len(in_memory[model.precomputed_key]))
        ],
    ]
    key = model.precomputed_key
    for stored, kept in zip(mapped[key], in_memory[key]):
        assert isinstance(stored, np.memmap)
        np.testing.assert_allclose(stored, kept, rtol=1e-5, atol=1e-6)
    live = model.precompute_models()[0].predict(x, verbose=0)
    first = keras.tree.flatten(live)[-1]
    if kind == "complementary":
        np.testing.assert_allclose(mapped[key][0], first, rtol=1e-5, atol=1e-6)
    else:
        # (samples, teachers, classes): teacher 0's logits.
        np.testing.assert_allclose(
            mapped[key][-1][:, 0], first, rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_mismatched_cache_is_refused(kind, tmp_path):
    x, _ = data()
    model = FACTORIES[kind]()
    path = tmp_path / "cache"
    model.precompute(x, path=path)
    # The same data and weights: reused (the folder is not rewritten).
    stamp = (path / "cache.json").stat().st_mtime_ns
    model.precompute(x, path=path)
    assert (path / "cache.json").stat().st_mtime_ns == stamp

    with pytest.raises(ValueError, match="holds 48 samples but `x` has 47"):
        model.precompute(x[:-1], path=path)
    with pytest.raises(ValueError, match="other samples or another order"):
        model.precompute(x[::-1], path=path)
    with pytest.raises(ValueError, match="other samples or another order"):
        model.precompute(data(seed=1)[0], path=path)
    dataset = model.precompute_dataset(x, batch_size=16)
    frozen = model.precompute_models()[0]
    kernel = frozen.get_layer("embedding").kernel
    kernel.assign(kernel + 0.01)
    with pytest.raises(ValueError, match="other weights of the frozen models"):
        model.precompute(x, path=path)
    with pytest.raises(ValueError, match="PrecomputedDataset passed as `x`"):
        model.fit(dataset, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="other weights of the frozen models"):
        model.predict(dataset, verbose=0)
    # `overwrite=True` recomputes it for the new weights.
    fresh = model.precompute(x, path=path, overwrite=True)
    expected = model.precompute(x)
    key = model.precomputed_key
    np.testing.assert_allclose(fresh[key][0], expected[key][0], rtol=1e-5)


def test_dataset_from_another_kind_of_model_is_refused():
    x, y = data()
    dataset = distiller().precompute_dataset(x)
    with pytest.raises(ValueError, match="another kind of model"):
        complementary().fit(dataset, epochs=1, verbose=0)


def test_shuffled_batches_keep_inputs_cache_and_labels_aligned():
    x, y = data(n=40)
    model = complementary()
    dataset = model.precompute_dataset(
        x, y, sample_weight=np.arange(40.0), batch_size=16, seed=3
    )
    assert len(dataset) == 3
    extractor = model.precompute_models()[1]
    for epoch in range(2):
        seen = []
        for index in range(len(dataset)):
            inputs, labels, weights = dataset[index]
            rows = weights.astype(int)
            np.testing.assert_array_equal(inputs["inputs"], x[rows])
            np.testing.assert_array_equal(labels, y[rows])
            np.testing.assert_allclose(
                inputs["base_representations"][1],
                extractor.predict(x[rows], verbose=0),
                rtol=1e-5,
                atol=1e-6,
            )
            seen.extend(rows.tolist())
        assert sorted(seen) == list(range(40))
        if epoch == 0:
            first_order = seen
            dataset.on_epoch_end()
    assert seen != first_order


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"y": np.zeros(5)}, ValueError, "`y` has 5 samples but `inputs`"),
        ({"sample_weight": np.ones(8)}, ValueError, "needs targets `y`"),
        ({"batch_size": 0}, ValueError, "`batch_size` must be a positive"),
        ({"shuffle": 1}, TypeError, "`shuffle` must be a bool"),
    ],
)
def test_dataset_arguments_are_checked(kwargs, error, match):
    x = np.zeros((8, 2), "float32")
    with pytest.raises(error, match=match):
        PrecomputedDataset(x, [np.zeros((8, 3))], "key", **kwargs)


def test_precompute_arguments_are_checked(tmp_path):
    model = complementary()
    x, _ = data()
    with pytest.raises(TypeError, match="`overwrite` must be a bool"):
        model.precompute(x, path=tmp_path, overwrite="yes")
    with pytest.raises(ValueError, match="at least one sample"):
        model.precompute(x[:0])
    with pytest.raises(TypeError, match="`x` must be a NumPy array"):
        model.precompute([1.0, 2.0])
    with pytest.raises(ValueError, match="`precompute_batch_size`"):
        model.precompute_dataset(x, precompute_batch_size=0)
