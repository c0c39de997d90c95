"""`FusionEnsemble.predict` against the members' own `predict`s.

Three `small_cnn(width=16)` members on synthetic 28x28 images. Timed, one
pass over the data each, interleaved (see `harness.py`):

- sequential: `member.predict(x)` for each member, then the softmax and
  the mean in NumPy (what one writes without the library);
- `FusionEnsemble(members, "mean_probs").predict(x)`;
- a naive fused functional model (`keras.Model(inputs, Average([...]))`
  over the same members), for the diagnosis.

All at `--batch-size` (default 32, `predict`'s default). Target:
FusionEnsemble / sequential <= 0.8.

`--xla-diagnosis` (JAX) then takes Keras out of the way: the members'
programs, jitted one by one (`jax.jit` of `member.stateless_call` and a
softmax) against one `jax.jit` of all members and the mean, run over the
same device batches at batch 32 and 256; it prints their times, the page
faults per pass and the temporary buffer XLA allocates per execution
(`compiled.memory_analysis()`).

```
KERAS_BACKEND=jax python -m benchmarks.fusion_predict --xla-diagnosis
```
"""

import resource
import sys

import keras
import numpy as np

import keras_acorl
from benchmarks import harness

NUM_MEMBERS = 3

SEQUENTIAL = "sequential member predicts + mean"
FUSED = "FusionEnsemble.predict"
NAIVE = "naive functional fused model"


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def main(argv=None):
    parser = harness.parser(
        __doc__.splitlines()[0], samples=4096, batch_size=32
    )
    parser.add_argument("--xla-diagnosis", action="store_true")
    args = harness.parse(parser, argv)
    x, _ = harness.image_data(args.samples)
    members = [harness.cnn(16, f"member_{k}") for k in range(NUM_MEMBERS)]
    fused = keras_acorl.FusionEnsemble(members, method="mean_probs")
    inputs = keras.Input(harness.INPUT_SHAPE)
    naive = keras.Model(
        inputs,
        keras.layers.Average()(
            [keras.layers.Softmax()(m(inputs)) for m in members]
        ),
    )
    batch = args.batch_size

    def sequential():
        probs = [
            softmax(m.predict(x, batch_size=batch, verbose=0)) for m in members
        ]
        return np.mean(probs, axis=0)

    configs = {
        SEQUENTIAL: sequential,
        FUSED: lambda: fused.predict(x, batch_size=batch, verbose=0),
        NAIVE: lambda: naive.predict(x, batch_size=batch, verbose=0),
    }
    np.testing.assert_allclose(
        configs[FUSED](), sequential(), rtol=1e-4, atol=1e-6
    )
    walls, cpus = harness.run(
        configs,
        args,
        "FusionEnsemble.predict",
        f"{NUM_MEMBERS} small_cnn(width=16) members, {args.samples} images "
        f"28x28x1, batch {batch}.",
    )
    met = harness.print_ratios(
        [
            (
                "FusionEnsemble.predict / sequential predicts",
                FUSED,
                SEQUENTIAL,
                0.8,
            ),
            (
                "naive functional fused / sequential predicts",
                NAIVE,
                SEQUENTIAL,
                None,
            ),
        ],
        walls,
        cpus,
    )
    if args.xla_diagnosis and keras.backend.backend() == "jax":
        for size in (32, 256):
            print()
            xla_diagnosis(members, x, size, args)
    return harness.exit_status(met, args)


def xla_diagnosis(members, x, batch, args):
    """Raw XLA programs on JAX: each member jitted alone vs all fused."""
    import jax

    def member_program(member):
        def run(state, inputs):
            logits, _ = member.stateless_call(*state, inputs, training=False)
            return jax.nn.softmax(logits)

        return jax.jit(run)

    def fused_program(states, inputs):
        probs = [
            jax.nn.softmax(m.stateless_call(*s, inputs, training=False)[0])
            for m, s in zip(members, states)
        ]
        return jax.numpy.mean(jax.numpy.stack(probs), axis=0)

    states = [
        (
            [v.value for v in m.trainable_variables],
            [v.value for v in m.non_trainable_variables],
        )
        for m in members
    ]
    separate = [member_program(m) for m in members]
    fused = jax.jit(fused_program)
    batches = [
        jax.numpy.asarray(x[i : i + batch]) for i in range(0, len(x), batch)
    ]
    faults = {}

    def timed(name, run):
        def counted():
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            jax.block_until_ready(run())
            after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            faults.setdefault(name, []).append(after - before)

        return counted

    alone = f"{len(members)} programs, one per member"
    together = "one program, all members + mean"
    configs = {
        alone: timed(
            alone,
            lambda: [
                [f(s, b) for b in batches] for f, s in zip(separate, states)
            ],
        ),
        together: timed(together, lambda: [fused(states, b) for b in batches]),
    }
    temp = {
        alone: separate[0].lower(states[0], batches[0]).compile(),
        together: fused.lower(states, batches[0]).compile(),
    }
    print(f"### Raw XLA programs, batch {batch}\n")
    walls, cpus, _ = harness.measure(configs, args.repeats, args.max_seconds)
    print(
        "| program | median ms (wall) | median ms (CPU) | page faults "
        "per pass | temp buffer MiB per execution |"
    )
    print("|---|---:|---:|---:|---:|")
    for name in configs:
        mib = temp[name].memory_analysis().temp_size_in_bytes / 2**20
        print(
            f"| {name} | {1000 * np.median(walls[name]):.1f} | "
            f"{1000 * np.median(cpus[name]):.1f} | "
            f"{np.median(faults[name]):.0f} | {mib:.1f} |"
        )
    print(
        f"\nOne program / {len(members)} programs: wall "
        f"{harness.median_ratio(walls[together], walls[alone]):.3f}, CPU "
        f"{harness.median_ratio(cpus[together], cpus[alone]):.3f} (the "
        "temp buffer of the first member's program alone)."
    )


if __name__ == "__main__":
    sys.exit(main())
