"""Reading and writing VoxCeleb-style trial lists."""

import os


def read_trial_list(path):
    """Reads a trial list in the VoxCeleb format.

    One trial per line: `label enrollment test`, separated by whitespace,
    where `label` is `1` (same speaker, target) or `0` (different
    speakers), for example
    `1 id10270/x6uYqmx31kE/00001.wav id10270/8jEAjG6SegY/00008.wav`.
    Blank lines are ignored.

    Args:
        path: path of the text file.

    Returns:
        A list of `(label, enrollment, test)` tuples (`int`, `str`, `str`).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: a line does not have 3 fields or its label is not 0/1;
            the message names the file and the line number.

    Example:

    ```python
    import os
    import tempfile

    from keras_acorl.speaker import read_trial_list

    path = os.path.join(tempfile.mkdtemp(), "trials.txt")
    with open(path, "w") as f:
        f.write("1 id1/a/00001.wav id1/b/00002.wav\\n")
        f.write("0 id1/a/00001.wav id2/c/00001.wav\\n")
    trials = read_trial_list(path)
    # [(1, "id1/a/00001.wav", "id1/b/00002.wav"), (0, ...)]
    ```
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Trial list not found: '{path}'.")
    try:
        with open(path, encoding="utf-8") as f:
            trials = _parse_trials(f, path)
    except UnicodeDecodeError as error:
        raise ValueError(
            f"Trial list '{path}' is not UTF-8 text ({error}). Expected "
            "lines 'label enrollment test'."
        ) from None
    if not trials:
        raise ValueError(
            f"Trial list '{path}' holds no trials. Expected one line "
            "'label enrollment test' per trial."
        )
    return trials


def _parse_trials(lines, path):
    trials = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise ValueError(
                f"Malformed trial list '{path}', line {number}: expected "
                "3 fields 'label enrollment test', found "
                f"{len(fields)}: {line.strip()!r}"
            )
        if fields[0] not in ("0", "1"):
            raise ValueError(
                f"Malformed trial list '{path}', line {number}: the label "
                f"must be 0 or 1, found {fields[0]!r}."
            )
        trials.append((int(fields[0]), fields[1], fields[2]))
    return trials


def write_trial_list(path, trials):
    """Writes trials in the VoxCeleb format read by `read_trial_list`.

    Args:
        path: path of the text file to write (parent folders are created).
        trials: iterable of `(label, enrollment, test)` with `label` 0 or 1
            and utterance ids without whitespace.

    Returns:
        The number of trials written.

    Example:

    ```python
    import os
    import tempfile

    from keras_acorl.speaker import read_trial_list
    from keras_acorl.speaker import write_trial_list

    path = os.path.join(tempfile.mkdtemp(), "trials.txt")
    write_trial_list(path, [(1, "id1/a/1.wav", "id1/b/2.wav")])
    assert read_trial_list(path) == [(1, "id1/a/1.wav", "id1/b/2.wav")]
    ```
    """
    lines = []
    for index, trial in enumerate(trials):
        if len(trial) != 3:
            raise ValueError(
                f"`trials[{index}]` must be (label, enrollment, test). "
                f"Received: {trial!r}"
            )
        label, enrollment, test = trial
        if isinstance(label, bool) or label not in (0, 1):
            raise ValueError(
                f"`trials[{index}]`: the label must be 0 or 1. Received: "
                f"{label!r}"
            )
        for name, utterance in (("enrollment", enrollment), ("test", test)):
            if (
                not isinstance(utterance, str)
                or not utterance
                or any(c.isspace() for c in utterance)
            ):
                raise ValueError(
                    f"`trials[{index}]`: the {name} id must be a non-empty "
                    f"string without whitespace. Received: {utterance!r}"
                )
        lines.append(f"{int(label)} {enrollment} {test}\n")
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    return len(lines)
