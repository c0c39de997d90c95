"""Resident memory over the epochs of `ComplementaryModel.fit`, per backend.

Trains, in one child process per backend, a ComplementaryModel on MNIST-5k
(4000 training images; two frozen `small_cnn` bases of width 8 and 16, an
alliance `small_cnn` of width 8, DANN ramp) for `--epochs` epochs, one
`fit` call with a callback that reads the process's resident set size
(VmRSS from /proc, Linux) after every epoch. Prints one line per epoch and
the growth after epoch 3 relative to epoch 3. No asserts: a measurement.

    python benchmarks/memory_growth.py --epochs 30 --backends jax torch
"""

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def measure(epochs, batch_size):
    import keras

    import keras_acorl
    from keras_acorl.datasets import load_mnist5k
    from keras_acorl.zoo import small_cnn
    from keras_acorl.zoo import split_encoder_head

    (x, y), _ = load_mnist5k(seed=0)
    keras.utils.set_random_seed(0)
    bases = [
        small_cnn(x.shape[1:], 10, width=w, name=f"base_{w}") for w in (8, 16)
    ]
    encoder, head = split_encoder_head(small_cnn(x.shape[1:], 10, width=8))
    model = keras_acorl.ComplementaryModel(
        bases,
        encoder,
        head=head,
        base_representation="embedding",
        adversarial_weight=0.5,
        gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    sizes = []

    class RSS(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            sizes.append(rss_mib())
            print(
                f"  epoch {epoch + 1:3d}: RSS {sizes[-1]:8.1f} MiB", flush=True
            )

    model.fit(
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
        callbacks=[
            keras_acorl.callbacks.GradientReversalScheduler(),
            RSS(),
        ],
    )
    if len(sizes) > 3:
        growth = 100.0 * (sizes[-1] - sizes[2]) / sizes[2]
        print(
            f"{keras.backend.backend()}: RSS after epoch 3 {sizes[2]:.1f} MiB, "
            f"after epoch {len(sizes)} {sizes[-1]:.1f} MiB "
            f"({growth:+.1f}%)",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--backends", nargs="+", default=["tensorflow", "jax", "torch"]
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args.epochs, args.batch_size)
        return 0
    for backend in args.backends:
        print(f"{backend}:", flush=True)
        env = dict(os.environ, KERAS_BACKEND=backend)
        env["PYTHONPATH"] = os.pathsep.join(
            [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        subprocess.run(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--child",
                "--epochs",
                str(args.epochs),
                "--batch-size",
                str(args.batch_size),
            ],
            env=env,
            check=False,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
