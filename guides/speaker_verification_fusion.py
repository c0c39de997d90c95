"""
Title: Speaker verification with complementary models and score fusion
Author: keras-acorl contributors
Date created: 2026/11/22
Last modified: 2026/11/22
Description: Build a speaker-verification system in Keras, train a model that
complements it with ACoRL, and fuse the two.
Accelerator: None
"""

"""
## Introduction

A speaker-verification system answers one question per *trial*: are these
two recordings from the same speaker? It embeds each recording with a
network trained to classify the training speakers, and scores a trial by
the cosine similarity of the two embeddings. Systems are compared by their
equal error rate (EER, where false acceptances and false rejections are
equally frequent) and by the minimum detection cost (minDCF, which weighs a
false acceptance of a rare impostor heavily).

Fusing two systems usually helps: average their scores, or concatenate
their embeddings. It helps most when the systems make *different* mistakes.
ACoRL (Kang et al., IJCNN 2024) trains the second system so that its
embedding cannot be predicted from the first one's, which is exactly what
fusion needs.

In this guide you will:

1. synthesize a small speaker corpus offline (espeak-ng and flite, in the
   VoxCeleb folder layout with trial lists),
2. compute log-mel features and train a thin ResNet-SE speaker model with
   the additive angular margin (AAM-softmax) loss,
3. train a small ECAPA-TDNN twice: independently, and as an ACoRL alliance
   against the frozen ResNet,
4. score the trials, compute EER and minDCF, fuse scores and embeddings,
   and draw DET curves.

It runs on the TensorFlow, JAX or PyTorch backend, on CPU. The speech
synthesizers come from Debian: `apt-get install -y espeak-ng flite`. Set
`KERAS_ACORL_QUICK=1` for a tiny run (the test suite does). The command
`keras-acorl reproduce speaker` runs the full experiment over three seeds.

## Setup
"""

# ruff: noqa: E402
import os
import tempfile

import keras
import numpy as np

import keras_acorl
from keras_acorl import speaker
from keras_acorl.speaker import LogisticScoreFusion
from keras_acorl.speaker import LogMelCorpus
from keras_acorl.speaker import SpeakerCropDataset
from keras_acorl.speaker import VoxCelebCorpus
from keras_acorl.speaker import fuse_scores
from keras_acorl.speaker import generate_speaker_corpus
from keras_acorl.speaker import plot_det_curves
from keras_acorl.speaker import read_trial_list
from keras_acorl.speaker import score_systems
from keras_acorl.speaker import verification_error_rates

QUICK = os.environ.get("KERAS_ACORL_QUICK", "") not in ("", "0")
EPOCHS = 1 if QUICK else 6
keras.utils.set_random_seed(0)

"""
## A synthetic speaker corpus

`generate_speaker_corpus` makes speakers out of espeak-ng accents, voice
variants, pitches and speeds (and a few flite voices), each speaking
random sentences over two recording "sessions" with their own channel
colouring, plus noise. Files land in the VoxCeleb layout
`wav/<speaker>/<session>/<utterance>.wav`; the test speakers are disjoint
from the training speakers, `trials.txt` pairs their utterances (half
target, half non-target) and `dev_trials.txt` does the same for a third
group of speakers, to fit score fusion on. A real VoxCeleb copy in this
layout is read by the same code.
"""

workdir = tempfile.mkdtemp()
corpus_info = generate_speaker_corpus(
    os.path.join(workdir, "corpus"),
    preset="quick" if QUICK else "default",
    seed=0,
    verbose=False,
)
print(open(corpus_info["trials"]).readline().strip())

"""
Each line of a trial list is `label enrollment test`. Training reads the
training speakers only.
"""


def log_mels(split):
    corpus = VoxCelebCorpus(
        corpus_info["root"], speakers=corpus_info[f"{split}_speakers"]
    )
    return LogMelCorpus(corpus)


train, dev, test = log_mels("train"), log_mels("dev"), log_mels("test")
trials = read_trial_list(corpus_info["trials"])
dev_trials = read_trial_list(corpus_info["dev_trials"])
print(f"{train.num_speakers} training speakers, {len(train)} utterances")

"""
## Features and training crops

`LogMelCorpus` computes 80 log-mel filterbank energies per 10 ms frame for
each utterance once, with the mean over time subtracted *per utterance*
(normalizing over a batch would make a trial's score depend on the other
utterances in the batch). `SpeakerCropDataset` then serves batches of
random fixed-length crops with their speaker labels, reproducibly for a
seed. The same features are computed inside a model by
`keras_acorl.speaker.LogMelFrontend`, so an exported model can take raw
16 kHz audio.
"""

feed = SpeakerCropDataset(
    train, batch_size=8 if QUICK else 32, crop_seconds=1.0
)
crops, labels = feed[0]
print("a batch of crops:", crops.shape, labels.shape)

"""
## The base system: a thin ResNet-SE with AAM-softmax

`speaker.train_speaker_classifier` puts a `CosineClassifier` on an encoder
(`speaker.speaker_classifier`): it outputs the cosine of the embedding with
one weight vector per training speaker. It trains with
`AdditiveAngularMarginLoss`, which adds an angular margin to the true
speaker's angle before a scaled softmax and so pulls each speaker's
embeddings into a tight cone, and Adam with a cosine-decayed learning rate
(`speaker.compile_speaker_model`). Playing the part of an existing system,
the base model is trained once and then frozen.
"""

SMALL = dict(embedding_dim=16) if QUICK else dict(embedding_dim=128)
base, _ = speaker.train_speaker_classifier(
    speaker.thin_resnet_se(
        channels=(8, 8, 8, 8) if QUICK else (8, 8, 16, 32), **SMALL
    ),
    feed,
    train.num_speakers,
    epochs=EPOCHS,
)

"""
## An independent model and an ACoRL alliance

Both new models are small ECAPA-TDNNs with the same initial weights. The
independent one is trained like the base model. The alliance is trained by
`speaker.train_speaker_alliance`, a `keras_acorl.ComplementaryModel`: an
adversary tries to predict the frozen base model's embedding from the
alliance's, and a gradient reversal layer makes the alliance work against
it, while the cosine head and the AAM loss keep it a good speaker model.
Its `gradient_reversal_schedule=DANNRamp()` ramps the reversal up (the
DANN schedule) so the speakers are learned first.
"""

ECAPA = dict(channels=16 if QUICK else 64, **SMALL)
keras.utils.set_random_seed(1)
independent_encoder = speaker.small_ecapa_tdnn(**ECAPA)
alliance_encoder = speaker.small_ecapa_tdnn(**ECAPA)
alliance_encoder.set_weights(independent_encoder.get_weights())
independent, _ = speaker.train_speaker_classifier(
    independent_encoder, feed, train.num_speakers, epochs=EPOCHS
)
alliance, history = speaker.train_speaker_alliance(
    base,
    alliance_encoder,
    feed,
    train.num_speakers,
    epochs=EPOCHS,
    adversarial_weight=0.5,
)
print("adversary fit per epoch:", history.history["adversary_fit_0"])

"""
`adversary_fit_0` is how well the adversary predicts the base embedding
(cosine, on standardized features); the alliance pushes it down.

## Scoring, EER and minDCF

`score_systems` embeds each utterance whole with every system in one pass
(`embed_utterances` groups utterances by length, so a model with a
variable time axis is compiled for a few shapes only) and scores each
trial by cosine similarity. `speaker_encoder` cuts a classifier at its
`"embedding"` layer.
"""

systems = {
    name: speaker.speaker_encoder(classifier)
    for name, classifier in (
        ("base", base),
        ("independent", independent),
        ("alliance", alliance),
    )
}
scores, labels, _ = score_systems(systems, test, trials)
dev_scores, dev_labels, _ = score_systems(systems, dev, dev_trials)


def report(name, system_scores):
    rates = verification_error_rates(system_scores, labels)
    print(
        f"{name:32s} EER {100 * rates['eer']:5.2f}%  "
        f"minDCF(0.01) {rates['min_dcf_0.01']:.3f}"
    )


for name in systems:
    report(name, scores[name])

"""
## Fusion

Three common ways to fuse two systems:

- average their scores (`fuse_scores`);
- concatenate their L2-normalized embeddings into one embedding model,
  `keras_acorl.FusionEnsemble(..., method="concat",
  normalize_representations=True, head="identity")`: one model to save and
  export, whose cosine scores equal the average of the members' cosines;
- fit a logistic regression (a little L2) on the development trials' scores
  (`LogisticScoreFusion`), which also calibrates the fused score.

Traditional fusion pairs the base with the independent model; ACoRL fusion
pairs it with the alliance.
"""

for partner in ("independent", "alliance"):
    label = "traditional" if partner == "independent" else "ACoRL"
    pair = np.stack([scores["base"], scores[partner]], axis=1)
    report(f"{label} fusion (mean)", fuse_scores(pair))
    calibrated = LogisticScoreFusion(l2=1e-3).fit(
        np.stack([dev_scores["base"], dev_scores[partner]], axis=1),
        dev_labels,
    )
    report(f"{label} fusion (logistic)", calibrated.transform(pair))

fused = keras_acorl.FusionEnsemble(
    [base, independent],
    method="concat",
    member_representations="embedding",
    normalize_representations=True,
    head="identity",
)
fused_scores = score_systems({"fused": fused}, test, trials)[0]["fused"]
print(
    "embedding fusion equals the mean of cosines:",
    np.allclose(
        fused_scores, (scores["base"] + scores["independent"]) / 2, atol=1e-5
    ),
)

"""
## DET curves

A detection error trade-off plot shows miss rate against false-alarm rate
on normal-deviate axes, one curve per system; lower-left is better.
"""

plot_det_curves(
    {name: (system_scores, labels) for name, system_scores in scores.items()},
    os.path.join(workdir, "det_curves.png"),
)
print("DET curves written to", os.path.join(workdir, "det_curves.png"))

"""
## Conclusion

You built a speaker-verification pipeline from files in the VoxCeleb layout
to EER, minDCF and DET curves, trained a complementary model against a
frozen one with `ComplementaryModel`, and fused systems at the score and
embedding levels. On this synthetic corpus with a few epochs the numbers
are noisy: compare fusions over several seeds, as
`keras-acorl reproduce speaker` does (its report gives the mean and spread
of each row), before drawing conclusions. With real data, point
`VoxCelebCorpus` at a VoxCeleb copy and `read_trial_list` at its official
trial lists; nothing else changes.
"""
