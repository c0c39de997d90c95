"""Runs every performance benchmark on every backend, one child process
per benchmark and backend (the backend is fixed at import).

```
python -m benchmarks.run_all                    # all, 3 backends
python -m benchmarks.run_all --backends jax --quick
```

Exit status 1 when a benchmark fails or misses its target.
"""

import argparse
import os
import subprocess
import sys

BENCHMARKS = (
    "complementary_epoch",
    "adversary_scaling",
    "fusion_predict",
    "meal_precomputed",
    "grl_schedule",
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backends", nargs="+", default=["jax", "tensorflow", "torch"]
    )
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS)
    parser.add_argument("--quick", action="store_true")
    args, passed = parser.parse_known_args(argv)
    status = 0
    for backend in args.backends:
        for name in args.only or BENCHMARKS:
            print(f"\n# {name} ({backend})\n", flush=True)
            command = [sys.executable, "-m", f"benchmarks.{name}", *passed]
            if args.quick:
                command.append("--quick")
            env = dict(os.environ, KERAS_BACKEND=backend)
            result = subprocess.run(command, env=env, check=False)
            if result.returncode:
                print(f"({name} on {backend}: exit status {result.returncode})")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
