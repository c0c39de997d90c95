"""Similarity losses between a student vector and a teacher target.

Each function takes the student's raw vector `student` `(batch, dim)`, the
teacher's raw target `teacher` (batch, dim) and the teacher's soft target
`teacher_probs` (batch, dim) (softmax at `temperature`, or a mean of such
softmaxes for an ensemble) and returns a scalar. `keras.ops` only, no host
sync.
"""

import keras


def _log_probs(student, temperature):
    return keras.ops.log_softmax(student / temperature, axis=-1)


def soft_cross_entropy(student, teacher, teacher_probs, temperature=1.0):
    """`-mean_b sum_c p_teacher log softmax(student / T)`, times `T**2`."""
    del teacher
    per_sample = -keras.ops.sum(
        teacher_probs * _log_probs(student, temperature), axis=-1
    )
    return keras.ops.mean(per_sample) * temperature**2


def kl_divergence(student, teacher, teacher_probs, temperature=1.0):
    """`mean_b KL(p_teacher || softmax(student / T))`, times `T**2`."""
    del teacher
    log_teacher = keras.ops.log(keras.ops.maximum(teacher_probs, 1e-12))
    per_sample = keras.ops.sum(
        teacher_probs * (log_teacher - _log_probs(student, temperature)),
        axis=-1,
    )
    return keras.ops.mean(per_sample) * temperature**2


def l1_distance(student, teacher, teacher_probs, temperature=1.0):
    """Mean absolute difference of the raw vectors."""
    del teacher_probs, temperature
    return keras.ops.mean(keras.ops.abs(student - teacher))


def l2_distance(student, teacher, teacher_probs, temperature=1.0):
    """Mean squared difference of the raw vectors."""
    del teacher_probs, temperature
    return keras.ops.mean(keras.ops.square(student - teacher))


def l1_soft_distance(student, teacher, teacher_probs, temperature=1.0):
    """Mean absolute difference of the softmax distributions."""
    del teacher
    probs = keras.ops.softmax(student / temperature, axis=-1)
    return keras.ops.mean(keras.ops.abs(probs - teacher_probs))


def l2_soft_distance(student, teacher, teacher_probs, temperature=1.0):
    """Mean squared difference of the softmax distributions."""
    del teacher
    probs = keras.ops.softmax(student / temperature, axis=-1)
    return keras.ops.mean(keras.ops.square(probs - teacher_probs))


SIMILARITIES = {
    "soft_ce": soft_cross_entropy,
    "kl": kl_divergence,
    "l1": l1_distance,
    "l2": l2_distance,
    "l1_soft": l1_soft_distance,
    "l2_soft": l2_soft_distance,
}
