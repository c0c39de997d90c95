"""Trained models kept as `.keras` files, reused by later runs."""

import hashlib
import json
import os


def config_hash(config):
    """A short hash of a JSON-serializable `config` (sorted keys)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class CheckpointStore:
    """A folder of finished models for one configuration.

    Models live in `<root>/<config hash>/seed_<seed>/<name>.keras`, with
    their training history in `<name>.history.json` and the configuration
    in `<root>/<config hash>/manifest.json`. A changed configuration gets
    another folder, so stale models are never reused. A model file is
    written under a temporary name and renamed when complete, so an
    interrupted run leaves no half-written model behind.
    """

    def __init__(self, root, config, verbose=True):
        self.config = config
        self.hash = config_hash(config)
        self.directory = os.path.join(root, self.hash)
        self.verbose = verbose
        os.makedirs(self.directory, exist_ok=True)
        manifest = os.path.join(self.directory, "manifest.json")
        if os.path.exists(manifest):
            with open(manifest) as f:
                stored = json.load(f)
            if stored != json.loads(json.dumps(config, sort_keys=True)):
                raise ValueError(
                    f"{manifest} holds another configuration than this "
                    "run's although their hashes agree; delete the folder "
                    f"{self.directory}."
                )
        else:
            with open(manifest, "w") as f:
                json.dump(config, f, indent=2, sort_keys=True)

    def path(self, seed, name):
        return os.path.join(self.directory, f"seed_{seed}", f"{name}.keras")

    def load(self, seed, name):
        """`(model, history)` if `name` was finished for `seed`, else
        None."""
        from keras_acorl.model_file import load_keras_file

        path = self.path(seed, name)
        history_path = path[: -len(".keras")] + ".history.json"
        if not (os.path.exists(path) and os.path.exists(history_path)):
            return None
        if self.verbose:
            print(f"    reusing {path}", flush=True)
        model = load_keras_file(path, compile=False)
        with open(history_path) as f:
            history = json.load(f)
        return model, history

    def save(self, seed, name, model, history):
        path = self.path(seed, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        history_path = path[: -len(".keras")] + ".history.json"
        with open(history_path, "w") as f:
            json.dump(history, f)
        partial = path[: -len(".keras")] + ".partial.keras"
        model.save(partial)
        os.replace(partial, path)
        if self.verbose:
            print(f"    saved {path}", flush=True)

    def obtain(self, seed, name, train):
        """`(model, history)`: the stored model if `name` was finished for
        `seed`, else `train()`'s result, stored first."""
        stored = self.load(seed, name)
        if stored is not None:
            return stored
        model, history = train()
        self.save(seed, name, model, history)
        return model, history
