"""Checks of `load_image_folder`'s arguments and image files, made before
any image is decoded for training."""

import numbers
import os

from keras_acorl import argument_checks

COLOR_MODES = ("rgb", "grayscale", "rgba")


def check_image_size(image_size):
    """`image_size` must be `(height, width)`, two positive ints."""
    if (
        not isinstance(image_size, (list, tuple))
        or len(image_size) != 2
        or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool)
            for v in image_size
        )
    ):
        raise TypeError(
            "`image_size` must be a pair (height, width) of positive ints, "
            f"e.g. (64, 64). Received: image_size={image_size!r}"
        )
    if min(image_size) < 1:
        raise ValueError(
            "`image_size` must be a pair (height, width) of positive ints. "
            f"Received: image_size={tuple(image_size)}"
        )
    return tuple(int(v) for v in image_size)


def check_loader_arguments(image_size, seed, batch_size, color_mode):
    """The checked `(image_size, seed, batch_size)`."""
    argument_checks.check_choice(color_mode, COLOR_MODES, "color_mode")
    return (
        check_image_size(image_size),
        argument_checks.check_seed(seed),
        argument_checks.check_positive_int(batch_size, "batch_size"),
    )


def check_image_file(path):
    """Raises a `ValueError` naming `path` when the file is not an image
    Pillow recognizes, or a PNG / JPEG cut short (their end markers are
    missing). Reads the header and the last bytes (PNG: every chunk), not
    the pixels, so a folder of thousands of images is checked in seconds.
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            kind = image.format
            image.verify()
    except Exception as error:  # Pillow raises many types here.
        raise ValueError(
            f"Image file '{path}' cannot be decoded ({type(error).__name__}: "
            f"{error}). Remove or replace it."
        ) from None
    if kind == "JPEG":
        with open(path, "rb") as f:
            f.seek(max(os.path.getsize(path) - 64, 0))
            tail = f.read()
        if b"\xff\xd9" not in tail:
            raise ValueError(
                f"Image file '{path}' is truncated: the JPEG end marker is "
                "missing. Remove or replace it."
            )
