"""An offline speaker-verification corpus synthesized with espeak-ng and
flite, in the VoxCeleb layout."""

import concurrent.futures
import json
import numbers
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np

from keras_acorl import argument_checks
from keras_acorl.speaker.resample import resample_waveform
from keras_acorl.speaker.trial_list import write_trial_list
from keras_acorl.speaker.wav_io import write_wav

FORMAT_VERSION = 1
INSTALL_HINT = "apt-get install -y espeak-ng flite"

# English accents of espeak-ng (its own voices, no MBROLA needed).
ESPEAK_ACCENTS = (
    "en",
    "en-us",
    "en-gb-scotland",
    "en-gb-x-gbclan",
    "en-gb-x-rp",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
)
# Voice variants (formant sets); whispering and robotic ones are left out.
ESPEAK_VARIANTS = (
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8",
    "f1", "f2", "f3", "f4", "f5",
    "adam", "Alex", "Andy", "benjamin", "caleb", "david", "ed", "edward",
    "iven", "john", "linda", "max", "Mike", "paul", "quincy", "rob",
    "robert", "steph", "travis", "victor", "zac", "Alicia", "Annie",
    "belinda", "shelby", "anika",
)  # fmt: skip
FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")

WORDS = (
    "the a one two three four five six seven eight nine ten house river "
    "window garden market village morning evening winter summer yellow "
    "green orange purple silver golden quiet happy simple little bright "
    "dark cold warm heavy gentle rapid slow early late always never often "
    "seldom today tomorrow yesterday people children teacher doctor "
    "farmer sailor driver painter writer singer dancer soldier captain "
    "walks runs jumps reads writes sings paints builds carries finds "
    "opens closes watches follows answers remembers forgets believes "
    "under over beside behind between across around through toward "
    "after before during without within table chair paper letter "
    "picture basket bottle candle pocket ticket rocket jacket blanket "
    "mountain valley forest island harbor station kitchen library "
    "hospital museum theater bridge tower castle palace temple stone "
    "water fire wind cloud thunder rain snow sunlight shadow music "
    "story question answer number moment minute season journey "
    "holiday weekend dinner breakfast supper coffee butter pepper "
    "sugar honey lemon cherry apple tomato potato carrot onion"
).split()

# Each setting of `generate_speaker_corpus` in the presets "default" and
# "quick", side by side.
PRESET_SETTINGS = (
    ("num_train_speakers", 64, 6),
    ("num_dev_speakers", 16, 4),
    ("num_test_speakers", 32, 4),
    ("utterances_per_speaker", 20, 4),
    ("sessions_per_speaker", 2, 2),
    ("min_words", 5, 2),
    ("max_words", 8, 4),
    ("num_trials", 4000, 24),
    ("num_dev_trials", 2000, 16),
    ("snr_db", 20.0, None),
)
PRESETS = {
    preset: {row[0]: row[column] for row in PRESET_SETTINGS}
    for column, preset in enumerate(("default", "quick"), start=1)
}


def generate_speaker_corpus(
    output_dir,
    preset="default",
    num_train_speakers=None,
    num_dev_speakers=None,
    num_test_speakers=None,
    utterances_per_speaker=None,
    sessions_per_speaker=None,
    min_words=None,
    max_words=None,
    num_trials=None,
    num_dev_trials=None,
    snr_db="preset",
    pitch_jitter=6.0,
    speed_jitter=0.06,
    flite_fraction=0.15,
    channel_effects=True,
    sample_rate=16000,
    seed=0,
    num_workers=None,
    verbose=True,
):
    """Synthesizes a speaker-verification corpus (offline, deterministic).

    A speaker is an espeak-ng English accent + voice variant + base pitch +
    base speed, or (a `flite_fraction` of them) a flite voice (kal, kal16,
    awb, rms, slt) + mean pitch + duration stretch. Each utterance is a
    random sentence from a built-in word list, spoken with jittered pitch
    and speed. Each speaker's utterances are spread over
    `sessions_per_speaker` sessions; with `channel_effects`, a session has
    its own gain and spectral tilt (a first-order filter), so enrollment and
    test utterances from different sessions differ in channel as in
    VoxCeleb. With `snr_db`, white noise is added at that signal-to-noise
    ratio.

    Layout written under `output_dir` (VoxCeleb style; all ids are relative
    to `wav/`):

    - `wav/<speaker>/<session>/<utterance>.wav`: 16-bit PCM, `sample_rate`
      Hz, every speaker of every split;
    - `train_speakers.txt`, `dev_speakers.txt`, `test_speakers.txt`: the
      disjoint speaker splits, one id per line;
    - `trials.txt`: test trials over the test speakers, half target (same
      speaker, different sessions when there are several), half
      non-target;
    - `dev_trials.txt`: trials of the same kind over the dev speakers, for
      fitting calibration, score fusion or normalization;
    - `speakers.json`: each speaker's split and synthesis settings;
    - `manifest.json`: the configuration, written last. Calling again with
      the same configuration reuses the corpus without synthesizing
      anything.

    The same configuration and `seed` give the same bytes and the same
    trials. Needs the `espeak-ng` and (when `flite_fraction > 0`) `flite`
    programs (Debian/Ubuntu: `apt-get install -y espeak-ng flite`).

    Args:
        output_dir: folder to write the corpus into.
        preset: `"default"` (64 train, 16 dev and 32 test speakers, 20
            utterances of 5-8 words (about 2-3.5 s) each, white noise at
            20 dB SNR, 4000 test and 2000 dev trials) or
            `"quick"` (a tiny corpus for tests). The arguments below that
            are left to `None` take the preset's value.
        num_train_speakers: int, speakers for training.
        num_dev_speakers: int, speakers of `dev_trials.txt` (0: no dev
            trials).
        num_test_speakers: int, speakers of `trials.txt` (at least 2).
        utterances_per_speaker: int (at least 2).
        sessions_per_speaker: int, sessions per speaker.
        min_words: int, fewest words per sentence.
        max_words: int, most words per sentence.
        num_trials: int, test trials (even: half target, half non-target).
        num_dev_trials: int, dev trials.
        snr_db: float or `None` (no noise). Defaults to the preset's value
            (20 dB for `"default"`, `None` for `"quick"`).
        pitch_jitter: float, standard deviation of the per-utterance pitch
            change (espeak-ng pitch units 0-99; flite: Hz / 2). Defaults to
            6.
        speed_jitter: float, relative standard deviation of the
            per-utterance speed change. Defaults to 0.06.
        flite_fraction: float in [0, 1], the share of flite speakers.
            Defaults to 0.15.
        channel_effects: bool, per-session gain and spectral tilt. Defaults
            to `True`.
        sample_rate: int. Defaults to 16000.
        seed: int. Defaults to 0.
        num_workers: int, synthesis processes run at once. Defaults to the
            number of CPUs. Does not change the output.
        verbose: bool, show a progress bar and messages. Defaults to `True`.

    Returns:
        A dict with the paths `root` (`output_dir`), `wav_dir`, `trials`,
        `dev_trials` (`None` without dev speakers), `train_speakers`,
        `dev_speakers`, `test_speakers`, plus `num_utterances`,
        `generation_seconds` and `reused` (`True` when an existing corpus
        with the same configuration was kept).

    Example:

    ```python
    import tempfile

    from keras_acorl.speaker import generate_speaker_corpus
    from keras_acorl.speaker import read_trial_list

    corpus = generate_speaker_corpus(
        tempfile.mkdtemp(), preset="quick", verbose=False
    )
    trials = read_trial_list(corpus["trials"])
    ```
    """
    if preset not in PRESETS:
        raise ValueError(
            f"Unknown `preset`: {preset!r}. Expected one of {sorted(PRESETS)}."
        )
    config = dict(PRESETS[preset])
    overrides = dict(
        num_train_speakers=num_train_speakers,
        num_dev_speakers=num_dev_speakers,
        num_test_speakers=num_test_speakers,
        utterances_per_speaker=utterances_per_speaker,
        sessions_per_speaker=sessions_per_speaker,
        min_words=min_words,
        max_words=max_words,
        num_trials=num_trials,
        num_dev_trials=num_dev_trials,
    )
    config.update({k: v for k, v in overrides.items() if v is not None})
    if snr_db != "preset":
        config["snr_db"] = snr_db
    config.update(
        pitch_jitter=pitch_jitter,
        speed_jitter=speed_jitter,
        flite_fraction=flite_fraction,
        channel_effects=channel_effects,
        sample_rate=sample_rate,
        seed=seed,
    )
    _check_config(config)
    config = {"format_version": FORMAT_VERSION, **config}

    output_dir = argument_checks.check_output_dir(output_dir, "output_dir")
    paths = _paths(output_dir, config)
    manifest_path = os.path.join(output_dir, "manifest.json")
    existing = _read_manifest(manifest_path)
    if existing is not None and existing.get("config") == config:
        if verbose:
            print(
                f"Speaker corpus in '{output_dir}' already generated with "
                "this configuration; skipping generation."
            )
        return dict(
            paths,
            num_utterances=existing["num_utterances"],
            generation_seconds=existing["generation_seconds"],
            reused=True,
        )
    wav_dir = paths["wav_dir"]
    if existing is None and os.path.exists(wav_dir):
        raise ValueError(
            f"`output_dir` '{output_dir}' already has a 'wav' folder but no "
            "manifest.json from `generate_speaker_corpus`; choose an empty "
            "or new folder."
        )

    rng = np.random.default_rng(config["seed"])
    speakers = _sample_speakers(config, rng)
    _check_programs({s["engine"] for s in speakers})
    utterances = _sample_utterances(speakers, config, rng)

    start = time.perf_counter()
    if existing is not None:
        if verbose:
            print(
                f"Configuration changed: regenerating the corpus in "
                f"'{output_dir}'."
            )
        os.remove(manifest_path)
        shutil.rmtree(wav_dir, ignore_errors=True)
    os.makedirs(wav_dir, exist_ok=True)
    _synthesize_all(utterances, config, wav_dir, num_workers, verbose)

    for split in ("train", "dev", "test"):
        ids = [s["id"] for s in speakers if s["split"] == split]
        with open(paths[f"{split}_speakers"], "w", encoding="utf-8") as f:
            f.writelines(f"{i}\n" for i in ids)
    write_trial_list(
        paths["trials"],
        _make_trials(utterances, "test", config["num_trials"], rng),
    )
    if paths["dev_trials"] is not None:
        write_trial_list(
            paths["dev_trials"],
            _make_trials(utterances, "dev", config["num_dev_trials"], rng),
        )
    with open(
        os.path.join(output_dir, "speakers.json"), "w", encoding="utf-8"
    ) as f:
        json.dump(speakers, f, indent=1)
    seconds = round(time.perf_counter() - start, 2)
    manifest = dict(
        config=config,
        num_utterances=len(utterances),
        generation_seconds=seconds,
    )
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    if verbose:
        print(
            f"Generated {len(utterances)} utterances of {len(speakers)} "
            f"speakers in {seconds:.1f} s into '{output_dir}'."
        )
    return dict(
        paths,
        num_utterances=len(utterances),
        generation_seconds=seconds,
        reused=False,
    )


def _check_config(config):
    def integer(name, minimum):
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"`{name}` must be an int. Received: {value!r}")
        value = config[name] = int(value)
        if value < minimum:
            raise ValueError(
                f"`{name}` must be >= {minimum}. Received: {value}"
            )

    integer("num_train_speakers", 0)
    integer("num_dev_speakers", 0)
    integer("num_test_speakers", 2)
    integer("utterances_per_speaker", 2)
    integer("sessions_per_speaker", 1)
    integer("min_words", 1)
    integer("max_words", config["min_words"])
    integer("num_trials", 2)
    integer("num_dev_trials", 0)
    integer("sample_rate", 8000)
    integer("seed", 0)
    if config["num_dev_speakers"] == 1:
        raise ValueError("`num_dev_speakers` must be 0 or >= 2. Received: 1")
    if config["num_dev_speakers"] >= 2 and config["num_dev_trials"] < 2:
        raise ValueError(
            "`num_dev_trials` must be >= 2 when there are dev speakers. "
            f"Received: {config['num_dev_trials']}"
        )
    for name, low, high in (
        ("pitch_jitter", 0, 50),
        ("speed_jitter", 0, 0.5),
        ("flite_fraction", 0, 1),
    ):
        value = config[name] = argument_checks.check_real(config[name], name)
        if not low <= value <= high:
            raise ValueError(
                f"`{name}` must be in [{low}, {high}]. Received: {value}"
            )
    if config["snr_db"] is not None:
        config["snr_db"] = argument_checks.check_real(
            config["snr_db"], "snr_db"
        )


def _paths(output_dir, config):
    def path(name):
        return os.path.join(output_dir, name)

    return dict(
        root=output_dir,
        wav_dir=path("wav"),
        trials=path("trials.txt"),
        dev_trials=(
            path("dev_trials.txt") if config["num_dev_speakers"] else None
        ),
        train_speakers=path("train_speakers.txt"),
        dev_speakers=path("dev_speakers.txt"),
        test_speakers=path("test_speakers.txt"),
    )


def _read_manifest(path):
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        manifest = error
    if not isinstance(manifest, dict) or not isinstance(
        manifest.get("config"), dict
    ):
        raise ValueError(
            f"Corpus manifest '{path}' is corrupt ({manifest!r:.200}). "
            "Delete its folder (or choose another `output_dir`) to generate "
            "the corpus again."
        )
    return manifest


def _check_programs(engines):
    programs = {"espeak": "espeak-ng", "flite": "flite"}
    for engine in sorted(engines):
        program = programs[engine]
        if shutil.which(program) is None:
            raise RuntimeError(
                f"The speech synthesizer '{program}' was not found on PATH; "
                "it is needed to generate the synthetic speaker corpus. "
                f"Install it with `{INSTALL_HINT}` (Debian/Ubuntu, as root)."
            )


def _sample_speakers(config, rng):
    splits = (
        ["train"] * config["num_train_speakers"]
        + ["dev"] * config["num_dev_speakers"]
        + ["test"] * config["num_test_speakers"]
    )
    speakers = []
    for index, split in enumerate(splits):
        speaker = {"id": f"sp{index:04d}", "split": split}
        if rng.random() < config["flite_fraction"]:
            speaker.update(
                engine="flite",
                voice=str(rng.choice(FLITE_VOICES)),
                pitch=round(float(rng.uniform(90, 190)), 1),
                speed=round(float(rng.uniform(0.85, 1.2)), 3),
            )
        else:
            speaker.update(
                engine="espeak",
                voice=(
                    f"{rng.choice(ESPEAK_ACCENTS)}+{rng.choice(ESPEAK_VARIANTS)}"
                ),
                pitch=round(float(rng.uniform(20, 80)), 1),
                speed=round(float(rng.uniform(135, 185)), 1),
            )
        sessions = []
        for session in range(config["sessions_per_speaker"]):
            sessions.append(
                dict(
                    name=f"s{session:02d}",
                    gain_db=round(float(rng.uniform(-9, -1)), 2),
                    tilt=round(float(rng.uniform(-0.7, 0.7)), 3),
                )
            )
        speaker["sessions"] = sessions
        speakers.append(speaker)
    return speakers


def _sample_utterances(speakers, config, rng):
    utterances = []
    for speaker in speakers:
        sessions = speaker["sessions"]
        for index in range(config["utterances_per_speaker"]):
            session = sessions[index % len(sessions)]
            count = int(
                rng.integers(config["min_words"], config["max_words"] + 1)
            )
            text = " ".join(rng.choice(WORDS, size=count))
            pitch_scale = 2.0 if speaker["engine"] == "flite" else 1.0
            pitch = speaker["pitch"] + pitch_scale * rng.normal(
                0, config["pitch_jitter"]
            )
            speed = speaker["speed"] * (
                1 + rng.normal(0, config["speed_jitter"])
            )
            if speaker["engine"] == "espeak":
                pitch = int(np.clip(round(pitch), 0, 99))
                speed = int(np.clip(round(speed), 80, 450))
            else:
                pitch = round(float(np.clip(pitch, 60, 300)), 1)
                speed = round(float(np.clip(speed, 0.5, 2.0)), 3)
            utterances.append(
                dict(
                    id=f"{speaker['id']}/{session['name']}/{index + 1:05d}.wav",
                    speaker=speaker["id"],
                    split=speaker["split"],
                    session=session["name"],
                    engine=speaker["engine"],
                    voice=speaker["voice"],
                    pitch=pitch,
                    speed=speed,
                    text=text,
                    gain_db=session["gain_db"],
                    tilt=session["tilt"],
                    noise_seed=[config["seed"], len(utterances)],
                )
            )
    return utterances


def _synthesize_all(utterances, config, wav_dir, num_workers, verbose):
    workers = num_workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(dir=wav_dir, prefix=".tmp") as tmp:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = [
                pool.submit(_synthesize, u, config, wav_dir, tmp)
                for u in utterances
            ]
            done = concurrent.futures.as_completed(futures)
            if verbose:
                from tqdm.auto import tqdm

                done = tqdm(
                    done,
                    total=len(futures),
                    desc="Synthesizing",
                    unit="utt",
                    mininterval=2.0,
                )
            for future in done:
                future.result()


def _synthesize(utterance, config, wav_dir, tmp):
    import soundfile

    raw = os.path.join(tmp, utterance["id"].replace("/", "_"))
    if utterance["engine"] == "espeak":
        command = [
            "espeak-ng",
            "-v", utterance["voice"],
            "-p", str(utterance["pitch"]),
            "-s", str(utterance["speed"]),
            "-w", raw,
            utterance["text"],
        ]  # fmt: skip
    else:
        command = [
            "flite",
            "-voice", utterance["voice"],
            "--setf", f"int_f0_target_mean={utterance['pitch']}",
            "--setf", f"duration_stretch={1.0 / utterance['speed']:.4f}",
            "-t", utterance["text"],
            "-o", raw,
        ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not os.path.isfile(raw):
        raise RuntimeError(
            f"`{' '.join(command)}` failed (exit code {result.returncode}): "
            f"{result.stderr.strip()}"
        )
    waveform, rate = soundfile.read(raw, dtype="float32", always_2d=True)
    os.remove(raw)
    waveform = resample_waveform(
        waveform.mean(axis=1), int(rate), config["sample_rate"]
    )
    waveform = _trim_silence(waveform)
    waveform = waveform / max(float(np.abs(waveform).max()), 1e-6)
    if config["channel_effects"]:
        waveform = _tilt(waveform, utterance["tilt"])
        waveform = waveform / max(float(np.abs(waveform).max()), 1e-6)
        waveform = waveform * 10 ** (utterance["gain_db"] / 20)
    else:
        waveform = waveform * 0.5
    if config["snr_db"] is not None:
        noise_rng = np.random.default_rng(utterance["noise_seed"])
        noise = noise_rng.normal(size=waveform.shape)
        power = float(np.mean(waveform.astype("float64") ** 2))
        scale = np.sqrt(power / 10 ** (config["snr_db"] / 10))
        waveform = waveform + scale * noise
    write_wav(
        os.path.join(wav_dir, utterance["id"]),
        waveform.astype("float32"),
        config["sample_rate"],
    )


def _trim_silence(waveform, threshold=0.01):
    """Drops leading and trailing near-silence (synthesizers pad both)."""
    loud = np.flatnonzero(np.abs(waveform) > threshold * np.abs(waveform).max())
    if loud.size == 0:
        return waveform
    return waveform[loud[0] : loud[-1] + 1]


def _tilt(waveform, coefficient):
    """First-order spectral tilt `y[n] = x[n] - c * x[n - 1]`."""
    tilted = waveform.copy()
    tilted[1:] -= coefficient * waveform[:-1]
    return tilted


def _make_trials(utterances, split, count, rng):
    by_speaker = {}
    for u in utterances:
        if u["split"] == split:
            by_speaker.setdefault(u["speaker"], []).append(u)
    speakers = sorted(by_speaker)
    targets = count // 2
    trials = set()
    ordered = []
    attempts = 0
    while len(ordered) < count:
        attempts += 1
        if attempts > 100 * count + 1000:
            raise ValueError(
                f"Could not draw {count} distinct {split} trials from "
                f"{len(speakers)} speakers; lower the number of trials or "
                "add speakers or utterances."
            )
        if len(ordered) < targets:
            speaker = by_speaker[speakers[rng.integers(len(speakers))]]
            first, second = rng.choice(len(speaker), size=2, replace=False)
            a, b = speaker[first], speaker[second]
            sessions = {u["session"] for u in speaker}
            if len(sessions) > 1 and a["session"] == b["session"]:
                continue
            trial = (1, a["id"], b["id"])
        else:
            first, second = rng.choice(len(speakers), size=2, replace=False)
            a = by_speaker[speakers[first]]
            b = by_speaker[speakers[second]]
            trial = (
                0,
                a[rng.integers(len(a))]["id"],
                b[rng.integers(len(b))]["id"],
            )
        if trial in trials or (trial[0], trial[2], trial[1]) in trials:
            continue
        trials.add(trial)
        ordered.append(trial)
    order = rng.permutation(len(ordered))
    return [ordered[i] for i in order]
