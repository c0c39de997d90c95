"""How hard is the synthetic speaker corpus? A naive baseline.

Generates (or reuses) the corpus of
`keras_acorl.speaker.generate_speaker_corpus`, then scores its trial
lists with a baseline that learns nothing: the embedding of an utterance
is its log-mel spectrogram (64 mel bands, 25 ms windows, 10 ms hop)
averaged over frames, and a trial's score is the cosine similarity of the
two embeddings. It prints the generation time and the EER / minDCF of the
test trials (`trials.txt`) and the dev trials (`dev_trials.txt`), with and
without S-norm against the training speakers.

The corpus is meant to be hard enough that fusing systems matters: this
baseline should land around 15-25% EER on the test trials.

Usage, from the repository root:

```bash
.venv/bin/python benchmarks/speaker_corpus_baseline.py \
    --output-dir outputs/speaker_corpus
.venv/bin/python benchmarks/speaker_corpus_baseline.py --clean \
    --output-dir outputs/speaker_corpus_clean
.venv/bin/python benchmarks/speaker_corpus_baseline.py --quick
```
"""

import argparse
import os
import tempfile
import time

import numpy as np

from keras_acorl.speaker import VoxCelebCorpus
from keras_acorl.speaker import generate_speaker_corpus
from keras_acorl.speaker import read_trial_list
from keras_acorl.speaker import s_norm
from keras_acorl.speaker import score_trials
from keras_acorl.speaker import speaker_cohort
from keras_acorl.speaker import trial_embeddings
from keras_acorl.speaker import verification_error_rates


def mean_log_mel(waveform, sample_rate=16000):
    import librosa

    mel = librosa.feature.melspectrogram(
        y=waveform,
        sr=sample_rate,
        n_fft=512,
        win_length=400,
        hop_length=160,
        n_mels=64,
    )
    return np.log(mel + 1e-6).mean(axis=1)


def embed(corpus, utt_ids):
    return {u: mean_log_mel(w) for u, w in corpus.iter_utterances(utt_ids)}


def evaluate(trials, embeddings, cohort):
    scores, labels = score_trials(trials, embeddings)
    enrollment, test, _ = trial_embeddings(trials, embeddings)
    normalized = s_norm(
        scores,
        enrollment,
        test,
        cohort,
        enrollment_ids=[enrollment_id for _, enrollment_id, _ in trials],
        test_ids=[test_id for _, _, test_id in trials],
    )
    rows = []
    for name, values in (("cosine", scores), ("cosine + S-norm", normalized)):
        rates = verification_error_rates(values, labels)
        rows.append(
            (
                name,
                100 * rates["eer"],
                rates["min_dcf_0.01"],
                rates["min_dcf_0.05"],
            )
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output-dir", default="outputs/speaker_corpus")
    parser.add_argument("--preset", default="default")
    parser.add_argument(
        "--snr-db",
        type=float,
        default=None,
        help="noise level; default: the preset's (20 dB for 'default')",
    )
    parser.add_argument("--clean", action="store_true", help="no added noise")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="tiny corpus, smoke test"
    )
    args = parser.parse_args()
    output_dir = args.output_dir
    preset = args.preset
    if args.quick:
        output_dir = tempfile.mkdtemp()
        preset = "quick"

    start = time.perf_counter()
    snr_db = "preset" if args.snr_db is None else args.snr_db
    if args.clean:
        snr_db = None
    info = generate_speaker_corpus(
        output_dir, preset=preset, snr_db=snr_db, seed=args.seed
    )
    wall = time.perf_counter() - start
    print(
        f"\nCorpus: {info['num_utterances']} utterances, generation "
        f"{info['generation_seconds']:.1f} s (this call {wall:.1f} s, "
        f"reused={info['reused']}), {os.cpu_count()} CPUs.\n"
    )

    start = time.perf_counter()
    train = VoxCelebCorpus(info["root"], speakers=info["train_speakers"])
    train_embeddings = embed(train, None)
    cohort = speaker_cohort(
        np.stack([train_embeddings[u] for u in train.utterances]),
        train.labels,
    )
    everything = VoxCelebCorpus(info["root"])
    print("| trials | scoring | EER (%) | minDCF p=0.01 | minDCF p=0.05 |")
    print("|---|---|---|---|---|")
    for name in ("trials", "dev_trials"):
        if info[name] is None:
            continue
        trials = read_trial_list(info[name])
        utt_ids = sorted({t[1] for t in trials} | {t[2] for t in trials})
        embeddings = embed(everything, utt_ids)
        for scoring, eer, dcf, dcf05 in evaluate(trials, embeddings, cohort):
            print(
                f"| {name}.txt ({len(trials)}) | {scoring} | {eer:.1f} | "
                f"{dcf:.3f} | {dcf05:.3f} |"
            )
    print(f"\nFeatures and scoring: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
