"""Scoring of verification trials: cosine scores, S-norm, score fusion."""

from keras_acorl.scoring.cosine_scoring import cosine_scores
from keras_acorl.scoring.cosine_scoring import l2_normalize
from keras_acorl.scoring.cosine_scoring import score_trials
from keras_acorl.scoring.cosine_scoring import trial_embeddings
from keras_acorl.scoring.logistic_score_fusion import LogisticScoreFusion
from keras_acorl.scoring.score_fusion import fuse_scores
from keras_acorl.scoring.score_normalization import s_norm
from keras_acorl.scoring.score_normalization import speaker_cohort
from keras_acorl.scoring.utterance_embeddings import embed_utterances

__all__ = [
    "LogisticScoreFusion",
    "cosine_scores",
    "embed_utterances",
    "fuse_scores",
    "l2_normalize",
    "s_norm",
    "score_trials",
    "speaker_cohort",
    "trial_embeddings",
]
