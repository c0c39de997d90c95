"""Similarity losses between a student vector and a teacher target.

Each function takes the student's raw vector `student` `(batch, dim)`, the
teacher's raw target `teacher` (batch, dim) and the teacher's soft target
`teacher_probs` (batch, dim) (softmax at `temperature`, or a mean of such
softmaxes for an ensemble) and returns a scalar: the batch mean of a
`keras.losses` function. `temperature` may be a Python float or a scalar
tensor (a variable the user changes during training).
"""

import keras


def soft_cross_entropy(student, teacher, teacher_probs, temperature=1.0):
    """`-mean_b sum_c p_teacher log softmax(student / T)`, times `T**2`."""
    del teacher
    per_sample = keras.losses.categorical_crossentropy(
        teacher_probs, student / temperature, from_logits=True
    )
    return keras.ops.mean(per_sample) * temperature**2


def kl_divergence(student, teacher, teacher_probs, temperature=1.0):
    """`mean_b KL(p_teacher || softmax(student / T))`, times `T**2`.

    Computed as the soft cross-entropy minus the teacher's entropy, from the
    student's logits: `keras.losses.kl_divergence` takes probabilities and
    clips the student's at 1e-7, which zeroes the gradient of a confidently
    wrong student. The teacher's entropy carries no gradient to the student.
    """
    del teacher
    per_sample = keras.losses.categorical_crossentropy(
        teacher_probs, student / temperature, from_logits=True
    ) - keras.losses.categorical_crossentropy(teacher_probs, teacher_probs)
    return keras.ops.mean(per_sample) * temperature**2


def l1_distance(student, teacher, teacher_probs, temperature=1.0):
    """Mean absolute difference of the raw vectors."""
    del teacher_probs, temperature
    return keras.ops.mean(keras.losses.mean_absolute_error(teacher, student))


def l2_distance(student, teacher, teacher_probs, temperature=1.0):
    """Mean squared difference of the raw vectors."""
    del teacher_probs, temperature
    return keras.ops.mean(keras.losses.mean_squared_error(teacher, student))


def l1_soft_distance(student, teacher, teacher_probs, temperature=1.0):
    """Mean absolute difference of the softmax distributions."""
    del teacher
    probs = keras.ops.softmax(student / temperature, axis=-1)
    return keras.ops.mean(
        keras.losses.mean_absolute_error(teacher_probs, probs)
    )


def l2_soft_distance(student, teacher, teacher_probs, temperature=1.0):
    """Mean squared difference of the softmax distributions."""
    del teacher
    probs = keras.ops.softmax(student / temperature, axis=-1)
    return keras.ops.mean(keras.losses.mean_squared_error(teacher_probs, probs))


SIMILARITIES = {
    "soft_ce": soft_cross_entropy,
    "kl": kl_divergence,
    "l1": l1_distance,
    "l2": l2_distance,
    "l1_soft": l1_soft_distance,
    "l2_soft": l2_soft_distance,
}
