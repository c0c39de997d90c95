"""The "complementarity" part of the `reproduce speaker` report: base vs
independent and base vs alliance, measured on the test trials.

- CKA (linear and RBF) of the models' whole-utterance test embeddings;
- diversity of the trial decisions, each model accepting at its own EER
  threshold (disagreement, double fault: trials both get wrong, Q);
- attribution overlap on log-mel time-frequency maps: |integrated
  gradients| of each model's cosine score of a target trial (test crop
  against the model's own enrollment embedding) with respect to the test
  crop's log-mel features.

Input gradients, not Grad-CAM: the base (thin ResNet-SE, 2-D convolutions
over time x frequency) and the ECAPA-TDNNs (1-D convolutions over time, the
mel bands as channels) have no common layer resolution, while every model
has the same log-mel input, so maps there are comparable position by
position. Integrated gradients are complete (a crop's attributions sum to
its score minus the baseline's); the zero baseline is the utterance's mean
spectrum, as the features are mean-normalized per utterance.

The result has the layout of
`keras_acorl.analysis.model_comparison.compare_models`' so the image
report's table, plots and verdicts serve it too.
"""

import itertools

import numpy as np

from keras_acorl.cli.speaker_training import ALLIANCE
from keras_acorl.cli.speaker_training import BASE
from keras_acorl.cli.speaker_training import INDEPENDENT

NAMES = (BASE, INDEPENDENT, ALLIANCE)
METHOD = "integrated_gradients"
DESCRIPTION = (
    "Test trials, mean ± std over {seeds} seed(s). Representations: "
    "whole-utterance test embeddings. Diversity: trial decisions, each "
    "model accepting at its own EER threshold (a wrong decision is a false "
    "accept or a false reject). Attributions on the first "
    "{attribution_samples} target trials: |integrated gradients| "
    "({attribution_steps} steps, zero baseline = the utterance's mean "
    "spectrum) of each model's cosine score (test crop of "
    "{attribution_frames} frames against the model's own enrollment "
    "embedding) on the log-mel features; input gradients, as the base (2-D "
    "convolutions) and the ECAPA-TDNNs (1-D convolutions) share no layer "
    "resolution but the same input."
)
LEGEND = (
    "CKA: similarity of the embeddings (1: the same up to rotation and "
    "scale). Disagreement: fraction of trials decided differently; double "
    "fault: fraction both decide wrongly (what score fusion can hardly "
    "repair); Q: Yule's Q of the correct/wrong table (0: independent "
    "errors); error corr.: correlation of the correct/wrong indicators. "
    "IG rank corr. / top-10% IoU: Spearman correlation of the two models' "
    "time-frequency maps over all bins and IoU of their top 10% bins (low: "
    "the models use different evidence)."
)


def crops(corpus, utt_ids, frames):
    """The first `frames` frames of each utterance (repeated end to end when
    shorter), `(n, frames, mels)`."""
    rows = []
    for utt_id in utt_ids:
        data = np.asarray(corpus.load(utt_id), dtype="float32")
        repeats = -(-frames // data.shape[0])
        rows.append(np.concatenate([data] * repeats, axis=0)[:frames])
    return np.stack(rows)


def decisions(scores, labels):
    """Accept (1) / reject (0) per trial at the scores' EER threshold."""
    from keras_acorl.speaker import equal_error_rate

    threshold = equal_error_rate(scores, labels)[1]
    return (np.asarray(scores) >= threshold).astype("int64")


def measure(classifiers, data, result, frames, quick):
    """`{KEY: comparison, GRID_KEY: grid}` for the three models of a seed.

    Args:
        classifiers: dict `name -> speaker classifier` for `NAMES`.
        data: the run's data (`"test"` corpus, `"test_trials"`).
        result: `speaker_scoring.evaluate`'s output; its `"embeddings"`
            (`name -> {utt_id -> embedding}`, not JSON) are popped.
        frames: int, frames of the attributed test crops.
        quick: bool, fewer trials and integration steps.
    """
    from keras_acorl.analysis import attribution_overlap
    from keras_acorl.analysis import integrated_gradients
    from keras_acorl.analysis import linear_cka
    from keras_acorl.analysis import prediction_diversity
    from keras_acorl.analysis import rbf_cka
    from keras_acorl.cli import complementarity_section
    from keras_acorl.speaker import speaker_encoder

    embeddings = result.pop("embeddings")
    utterances = sorted(embeddings[BASE])
    stacked = {
        name: np.stack([embeddings[name][u] for u in utterances])
        for name in NAMES
    }
    k = len(NAMES)
    linear, kernel = np.eye(k), np.eye(k)
    for i, j in itertools.combinations(range(k), 2):
        a, b = stacked[NAMES[i]], stacked[NAMES[j]]
        linear[i, j] = linear[j, i] = linear_cka(a, b)
        # RBF CKA costs n^2: at most 1000 utterances.
        kernel[i, j] = kernel[j, i] = rbf_cka(a[:1000], b[:1000])
    labels = np.asarray(result["labels"]).astype("int64")
    decided = {
        name: decisions(result["scores"][name], labels) for name in NAMES
    }

    samples, steps = (4, 4) if quick else (32, 32)
    trial_index = np.flatnonzero(labels == 1)[:samples]
    targets = [data["test_trials"][i] for i in trial_index]
    x = crops(data["test"], [t[2] for t in targets], frames)
    maps = {}
    for name in NAMES:
        reference = np.stack([embeddings[name][t[1]] for t in targets])
        attributions = integrated_gradients(
            speaker_encoder(classifiers[name]),
            x,
            reference=reference,
            steps=steps,
        )
        maps[name] = np.abs(attributions)
    pairs = {}
    for a, b in itertools.combinations(NAMES, 2):
        pair = prediction_diversity(decided[a], decided[b], labels)
        overlap = attribution_overlap(maps[a], maps[b])
        pair[f"{METHOD}_rank_correlation"] = overlap["mean_rank_correlation"]
        pair[f"{METHOD}_top_k_iou"] = overlap["mean_top_k_iou"]
        pairs[f"{a}|{b}"] = pair

    # The grid: 4 target trials; maps drawn mel bands up, time across.
    def picture(values):
        return np.swapaxes(values[:4], 1, 2)[:, ::-1]

    shown = trial_index[:4]
    grid = {
        "images": picture(x),
        "labels": labels[shown],
        "predictions": {name: decided[name][shown] for name in NAMES},
        "maps": {name: picture(maps[name]) for name in NAMES},
        "title": "|IG| of the trial score on the log-mel test crop "
        "(mel bands up, time across)",
        "column_titles": "trial label (1: target), decisions",
    }
    comparison = {
        "names": list(NAMES),
        "linear_cka": linear.tolist(),
        "rbf_cka": kernel.tolist(),
        "pairs": pairs,
        "methods": [METHOD],
        "attribution_samples": len(targets),
        "attribution_steps": steps,
        "attribution_frames": int(frames),
    }
    return {
        complementarity_section.KEY: comparison,
        complementarity_section.GRID_KEY: grid,
    }
