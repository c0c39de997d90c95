"""Trainings that a test kills (SIGKILL) and resumes with
`keras.callbacks.BackupAndRestore` (tests/test_resume_training.py).

`python -m tests.resume_training JOBS.json` runs the jobs in order; each is
`{"model": "complementary" | "meal", "backup": folder, "out": npz path,
"kill_at": global step or null}`. A job with `kill_at` SIGKILLs its own
process after that training step; otherwise the final state is saved to
`out`. `train(...)` is also called in-process for the uninterrupted run.
"""

import json
import os
import signal
import sys

import keras
import numpy as np

import keras_acorl

EPOCHS, BATCH, SAMPLES = 3, 8, 32  # 4 steps per epoch.


def _mlp(name, hidden, outputs=3):
    inputs = keras.Input(shape=(6,))
    x = keras.layers.Dense(hidden, activation="tanh", name="hidden")(inputs)
    return keras.Model(
        inputs, keras.layers.Dense(outputs, name="logits")(x), name=name
    )


def build(kind, adversarial_mode="alternating"):
    """A compiled tiny model, the same on every call."""
    keras.utils.set_random_seed(11)
    if kind == "complementary":
        model = keras_acorl.ComplementaryModel(
            [_mlp("base", 5)],
            _mlp("alliance", 8, outputs=4),
            head=keras.layers.Dense(3),
            gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
        )
        model.compile(
            optimizer=keras.optimizers.Adam(1e-2),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        return model
    model = keras_acorl.MEALDistiller(
        [_mlp("t0", 5), _mlp("t1", 7)],
        _mlp("student", 6),
        teacher_mode="mean",
        adversarial_mode=adversarial_mode,
        taps=[("hidden", ["hidden", "hidden"])],
        align_dim=4,
        seed=0,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        discriminator_optimizer=keras.optimizers.Adam(1e-2),
    )
    return model


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, 6)).astype("float32")
    return x, rng.integers(0, 3, size=(SAMPLES,))


class _KillAt(keras.callbacks.Callback):
    """SIGKILLs this process after global training step `step`."""

    def __init__(self, step):
        super().__init__()
        self.step, self.seen = step, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def state(model):
    """Every variable of the model and of its optimizers, by path."""
    variables = list(model.weights) + list(model.optimizer.variables)
    second = getattr(model, "discriminator_optimizer", None)
    if second is not None:
        variables += [v for v in second.variables]
    return {
        f"{i}:{v.path}": keras.ops.convert_to_numpy(v)
        for i, v in enumerate(variables)
    }


def train(kind, backup, kill_at=None):
    """Trains `kind` for EPOCHS epochs with BackupAndRestore in `backup`
    (resuming from it when it holds a backup); returns `state(model)`."""
    model = build(kind)
    x, y = data()
    callbacks = [keras.callbacks.BackupAndRestore(backup)]
    if kind == "complementary":
        callbacks.append(keras_acorl.callbacks.GradientReversalScheduler())
    if kill_at is not None:
        callbacks.append(_KillAt(kill_at))
    model.fit(
        x,
        y if kind == "complementary" else None,
        epochs=EPOCHS,
        batch_size=BATCH,
        shuffle=False,  # Keras does not save the shuffle RNG.
        callbacks=callbacks,
        verbose=0,
    )
    return state(model)


def main(jobs_path):
    with open(jobs_path) as f:
        jobs = json.load(f)
    for job in jobs:
        result = train(job["model"], job["backup"], job.get("kill_at"))
        np.savez(job["out"], **result)


if __name__ == "__main__":
    main(sys.argv[1])
