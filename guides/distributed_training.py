"""
Title: One script, one device to many hosts
Author: keras-acorl contributors
Date created: 2026/12/03
Last modified: 2026/12/03
Description: Train ComplementaryModel, MEALDistiller and FusionEnsemble on
several GPUs or machines with the engines Keras already drives.
Accelerator: None
"""

"""
## Introduction

keras-acorl adds no training engine of its own: its models train with
Keras' `fit`, so they spread over devices with the engines Keras drives:

- **JAX**: `keras.distribution.DataParallel` over a host's devices, and
  over several hosts after `keras.distribution.initialize`;
- **TensorFlow**: `tf.distribute.MirroredStrategy` on one host;
  `MultiWorkerMirroredStrategy` for several hosts is blocked in Keras 3.15
  (see below);
- **PyTorch**: not through `fit` (see below).

This guide writes the training script once, runs it under whatever this
machine has (on a laptop: one device, and the same code path), and shows
what changes on a multi-GPU host and on several hosts. Set
`KERAS_ACORL_QUICK=1` for a smoke test.
"""

"""
## Setup
"""

# Guides interleave prose and code, so imports follow text.
# ruff: noqa: E402
import contextlib
import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # Or "tensorflow", "torch".

import keras
import numpy as np

import keras_acorl
from keras_acorl.datasets import load_mnist5k

QUICK = os.environ.get("KERAS_ACORL_QUICK", "") == "1"
EPOCHS = 1 if QUICK else 5
GLOBAL_BATCH = 64

(x_train, y_train), (x_test, y_test) = load_mnist5k(test_fraction=0.2)
if QUICK:
    x_train, y_train = x_train[:256], y_train[:256]
    x_test, y_test = x_test[:128], y_test[:128]

"""
## The script

Everything that creates variables (models, optimizers) is built inside
the distribution's scope; `fit` is called as usual. `batch_size` is the
**global** batch: the engine splits it over the devices, and the library
makes the per-device pieces add up to the one-device step:

- hand-computed loss terms (the adversarial term of `ComplementaryModel`,
  MEAL's similarity and discriminator terms) are scaled per replica like
  Keras' own losses, because `tf.distribute` sums the replicas' gradients;
- the running mean and variance of `TargetStandardizer` are moments of
  the global batch (summed over the replicas);
- the gradient reversal ramp counts global steps (one per `fit` step).

So with the same seed, global batch and batch order, the weights after an
epoch equal the one-device weights (tested on two virtual CPU devices
for all three models, JAX and TensorFlow: largest difference 2.4e-7,
tolerance 1e-5).
"""


def distribution_scope():
    """Data parallelism over every local device, for this backend."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return keras.distribution.DataParallel(devices=jax.devices()).scope()
    if backend == "tensorflow":
        import tensorflow as tf

        # One strategy per process: a second MirroredStrategy over the same
        # devices reuses the first one's collective keys and fails.
        return tf.distribute.MirroredStrategy().scope()
    return contextlib.nullcontext()  # torch: one device (see below).


def mlp(name, width, outputs=10):
    """A small perceptron on the flattened digits; `embedding` is its
    representation."""
    inputs = keras.Input(shape=x_train.shape[1:])
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(width, activation="relu", name="embedding")(x)
    return keras.Model(inputs, keras.layers.Dense(outputs)(x), name=name)


def train_base():
    """Stands for a model you already have."""
    base = mlp("base", 32)
    base.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    base.fit(
        x_train, y_train, epochs=EPOCHS, batch_size=GLOBAL_BATCH, verbose=0
    )
    return base


def train_alliance(bases):
    encoder = mlp("alliance", 64, outputs=32)
    head = keras.layers.Dense(10)
    model = keras_acorl.ComplementaryModel(
        bases,
        encoder,
        head=head,
        base_representation="embedding",
        gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(
        x_train,
        y_train,
        epochs=EPOCHS,
        batch_size=GLOBAL_BATCH,
        callbacks=[keras_acorl.callbacks.GradientReversalScheduler()],
        verbose=0,
    )
    return model


keras.utils.set_random_seed(0)
with distribution_scope():
    base = train_base()
    alliance = train_alliance([base])
    fused = keras_acorl.FusionEnsemble(
        [base, alliance.classifier], method="mean_probs"
    )
    accuracy = np.mean(
        np.argmax(fused.predict(x_test, verbose=0), axis=-1) == y_test
    )
print(f"fused accuracy: {accuracy:.3f}")

"""
## A host with several GPUs

Nothing changes in the script. On JAX, `jax.devices()` lists every GPU
and `DataParallel` splits each global batch over them; on TensorFlow,
`MirroredStrategy()` takes every visible GPU. Scale the global batch with
the number of devices (e.g. 64 per device) and, if you do, the learning
rate with it. `MEALDistiller` and `FusionEnsemble(weights="learn")` work
the same way.

On PyTorch, Keras' `fit` runs on one device: there is no
`keras.distribution` for torch and `fit` does not wrap the model in
`torch.nn.parallel.DistributedDataParallel` (DDP). The way to use several
GPUs is a hand-written loop under `torchrun` with DDP (Keras' guide
"Multi-GPU distributed training with PyTorch" shows one for a plain
model); keras-acorl's models compute their loss in `compute_loss`, so such
a loop must call the model through DDP and then `model.compute_loss(x, y,
y_pred)`. This is not tested here. The simpler route: train on the JAX or
TensorFlow backend and serve anywhere with `keras_acorl.export_model`.

## Several hosts

**JAX.** Start the same script on every host, with three additions
before any model is built:

```python
keras.distribution.initialize(
    "10.0.0.1:1234",          # process 0's host and a free port
    num_processes=2,
    process_id=int(os.environ["RANK"]),
)
distribution = keras.distribution.DataParallel(
    devices=jax.devices(),     # the devices of every host
    auto_shard_dataset=False,  # each process passes its own rows
)
# ... build and fit under `distribution.scope()`, passing this process's
# part of the data and batch_size = global batch / number of processes.
```

Keras assembles each global batch from the processes' local batches
(process 0's rows first). On CPU the processes talk through gloo.
`tests/test_multi_process_training.py` runs two processes on 127.0.0.1
and checks that they end at the one-process weights (largest difference
2.4e-7). With a `tf.data.Dataset` instead of arrays, keep
`auto_shard_dataset=True` (the default) and Keras shards it over the
processes (not tested here).

**TensorFlow.** The documented route is
`tf.distribute.MultiWorkerMirroredStrategy` with a `TF_CONFIG` variable
naming every worker. With Keras 3.15 it fails before the first step for
any model trained on `(x, y)` data: `fit`'s symbolic build calls
`strategy.reduce` on the whole first batch, and the multi-worker strategy
reduces single tensors only ("Attempt to convert a value (PerReplica...)
to a Tensor"). Use the JAX backend for several hosts until Keras fixes it.

**PyTorch.** DDP with the `gloo` (CPU) or `nccl` (GPU) backend under
`torchrun`, in a hand-written loop as above; not tested here.

## Surviving preemption

Long multi-host runs get interrupted. Add
`keras.callbacks.BackupAndRestore(folder)` to `fit`: a restarted run
resumes at the interrupted epoch, with the gradient reversal ramp's
position (a weight of the model) and both of MEAL's optimizers restored.
"""
