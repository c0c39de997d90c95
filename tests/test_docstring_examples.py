"""Every public class's docstring example runs and shows true outputs.

A statement of an example followed by a comment that starts with a
Python literal states its output, and the test compares it:

- `expr  # 0.9866...`, `expr  # (128, 3)`, `expr  # array([0.3, 0.7])`:
  the value of `expr` (tuples, lists and shapes element by element,
  numbers to the digits shown, `...` meaning truncated);
- `print(expr)  # 0.5`: the value of `expr`;
- the same with the comment alone on the next line (`expr` then
  `# array([ 1., -1.])`);
- `y = expr  # (64, 3)`, `a, b = expr  # (2, 100) float32, (2,) int32`:
  the shape (and dtype, when named) of each assigned array, in order;
  a non-tuple literal is compared with the value.

Anything after the literal (`# (4, 10), values in [-1, 1]`,
`# 0.5: at threshold 0.9`) is prose, and so is a comment that does not
start with a literal (`# Positive, sums to 1.`) or that is a number
followed by words (`# 16000 samples.`).
"""

import ast
import importlib
import io
import os
import re
import shutil
import textwrap
import tokenize

import keras
import numpy as np
import pytest

PUBLIC = [
    "keras_acorl.models.complementary_model:ComplementaryModel",
    "keras_acorl.models.meal_distiller:MEALDistiller",
    "keras_acorl.models.fusion_ensemble:FusionEnsemble",
    "keras_acorl.callbacks.gradient_reversal_scheduler:"
    "GradientReversalScheduler",
    "keras_acorl.schedules.dann_ramp:DANNRamp",
    "keras_acorl.layers.gradient_reversal:GradientReversal",
    "keras_acorl.layers.adaptive_pool_align:AdaptivePoolAlign",
    "keras_acorl.layers.discriminator:Discriminator",
    "keras_acorl.layers.adversary:Adversary",
    "keras_acorl.objectives.adversarial_objective:AdversarialObjective",
    "keras_acorl.objectives.conditional_adversarial_objective:"
    "ConditionalAdversarialObjective",
    "keras_acorl.objectives.independence_objective:IndependenceObjective",
    "keras_acorl.objectives.ensemble_objective:EnsembleObjective",
    "keras_acorl.objectives.input_gradient_objective:InputGradientObjective",
    "keras_acorl.objectives.target_standardizer:TargetStandardizer",
    "keras_acorl.models.composite_model:CompositeModel",
    "keras_acorl.models.precomputed_dataset:PrecomputedDataset",
    "keras_acorl.datasets.cluttered:clutter_images",
    "keras_acorl.datasets.image_folder:load_image_folder",
    "keras_acorl.datasets.imagenet100:imagenet100_classes",
    "keras_acorl.zoo.backbone_classifier:backbone_classifier",
    "keras_acorl.zoo.resnet_classifier:resnet_classifier",
    "keras_acorl.speaker.log_mel:log_mel_spectrogram",
    "keras_acorl.speaker.log_mel_frontend:LogMelFrontend",
    "keras_acorl.speaker.statistics_pooling:StatisticsPooling",
    "keras_acorl.speaker.attentive_statistics_pooling:"
    "AttentiveStatisticsPooling",
    "keras_acorl.speaker.se_res2_block:SERes2Block",
    "keras_acorl.speaker.cosine_classifier:CosineClassifier",
    "keras_acorl.speaker.additive_angular_margin_loss:AdditiveAngularMarginLoss",
    "keras_acorl.speaker.thin_resnet_se:thin_resnet_se",
    "keras_acorl.speaker.small_ecapa_tdnn:small_ecapa_tdnn",
    "keras_acorl.speaker.speaker_classifier:speaker_classifier",
    "keras_acorl.speaker.utterance_embeddings:embed_utterances",
    "keras_acorl.analysis.saliency:saliency",
    "keras_acorl.analysis.saliency:smoothgrad",
    "keras_acorl.analysis.integrated_gradients:integrated_gradients",
    "keras_acorl.analysis.grad_cam:grad_cam",
    "keras_acorl.analysis.grad_cam:grad_cam_plus_plus",
    "keras_acorl.analysis.kernel_cka:rbf_cka",
    "keras_acorl.analysis.prediction_diversity:prediction_diversity",
    "keras_acorl.analysis.attribution_overlap:attribution_overlap",
    "keras_acorl.export.export_model:export_model",
    "keras_acorl.model_file:load_keras_file",
]
# Speaker-verification data, scoring and metrics: NumPy-only examples, run
# in one test (clearing the Keras session after each test is the slow part).
SPEAKER_PUBLIC = [
    "keras_acorl.speaker.verification_metrics:det_curve",
    "keras_acorl.speaker.verification_metrics:equal_error_rate",
    "keras_acorl.speaker.verification_metrics:min_dcf",
    "keras_acorl.speaker.trial_list:read_trial_list",
    "keras_acorl.speaker.trial_list:write_trial_list",
    "keras_acorl.speaker.voxceleb_corpus:VoxCelebCorpus",
    "keras_acorl.speaker.speaker_crop_dataset:SpeakerCropDataset",
    "keras_acorl.speaker.synthetic_speakers:generate_speaker_corpus",
    "keras_acorl.speaker.wav_io:load_wav",
    "keras_acorl.speaker.wav_io:write_wav",
    "keras_acorl.speaker.resample:resample_waveform",
    "keras_acorl.speaker.cosine_scoring:cosine_scores",
    "keras_acorl.speaker.cosine_scoring:l2_normalize",
    "keras_acorl.speaker.cosine_scoring:trial_embeddings",
    "keras_acorl.speaker.cosine_scoring:score_trials",
    "keras_acorl.speaker.score_normalization:s_norm",
    "keras_acorl.speaker.score_normalization:speaker_cohort",
    "keras_acorl.speaker.score_fusion:fuse_scores",
    "keras_acorl.speaker.logistic_score_fusion:LogisticScoreFusion",
    "keras_acorl.speaker.det_plot:plot_det_curves",
    "keras_acorl.speaker.log_mel_corpus:LogMelCorpus",
]
# Examples that run the speech synthesizers: skipped where they are missing,
# except under CI (`make test` installs them).
NEEDS_SYNTHESIZERS = {
    "keras_acorl.speaker.synthetic_speakers:generate_speaker_corpus"
}


DTYPES = {"float16", "bfloat16", "float32", "float64", "int32", "int64"}


def split_top_level(text):
    """Splits at the commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def parse_shown(item):
    """`(value, atol, dtype)` shown by one comment item, or None (prose)."""
    item = item.strip()
    truncated = re.search(r"\d\.\.\.", item) is not None
    item = re.sub(r"(\d)\.\.\.", r"\1", item)
    dtype = None
    array = re.match(r"array\((.*?)(?:, dtype=(\w+))?\)(.*)$", item)
    if array:
        item = array.group(1) + array.group(3)
        dtype = array.group(2)
    for end in range(len(item), 0, -1):
        try:
            value = ast.literal_eval(item[:end])
        except (ValueError, SyntaxError, TypeError, MemoryError):
            continue
        literal, rest = item[:end], item[end:].strip()
        break
    else:
        return None
    word = rest.rstrip(".").strip()
    if word in DTYPES:
        dtype = word
    elif rest.strip(" .;") and not rest.startswith(":"):
        if not isinstance(value, (tuple, list)):
            return None  # "16000 samples.": prose.
    decimals = [len(d) for d in re.findall(r"\d\.(\d+)", literal)]
    if decimals:
        unit = 10.0 ** -max(decimals)
        atol = unit if truncated else unit / 2
    else:
        atol = 0.0
    return value, max(atol, 1e-6), dtype


def shown_outputs(comment):
    """The outputs a comment shows, in order (empty for prose)."""
    outputs = []
    for item in split_top_level(comment):
        shown = parse_shown(item)
        if shown is None:
            break
        outputs.append(shown)
    return outputs


def as_python(value):
    if type(value).__name__ == "TensorShape":
        return tuple(value)
    return value


def compare(value, expected, atol, where):
    value = as_python(value)
    if expected is None or isinstance(expected, (str, bool)):
        assert value == expected, f"{where}: {value!r} != {expected!r}"
    elif expected is Ellipsis:
        return  # `(0, ...)`: the rest is not shown.
    elif isinstance(expected, (tuple, list)) and isinstance(
        value, (tuple, list)
    ):
        if expected and expected[-1] is Ellipsis:
            value, expected = value[: len(expected) - 1], expected[:-1]
        assert len(value) == len(expected), f"{where}: {value!r}"
        for v, e in zip(value, expected):
            compare(v, e, atol, where)
    else:
        np.testing.assert_allclose(
            np.asarray(keras.ops.convert_to_numpy(value), "float64"),
            np.asarray(expected, "float64"),
            atol=atol,
            rtol=0,
            err_msg=where,
        )


def compare_assigned(value, shown, where):
    expected, atol, dtype = shown
    value = as_python(value)
    if isinstance(expected, tuple) and not isinstance(value, (tuple, list)):
        compare(tuple(value.shape), expected, 0, f"{where} (shape)")
    else:
        compare(value, expected, atol, where)
    if dtype is not None:
        actual = keras.backend.standardize_dtype(value.dtype)
        assert actual == dtype, f"{where}: dtype {actual}, shown {dtype}"


def comments_by_line(code):
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return {
        t.start[0]: t.string[1:].strip()
        for t in tokens
        if t.type == tokenize.COMMENT
    }


def evaluate(node, namespace):
    return eval(compile(ast.Expression(node), "<example>", "eval"), namespace)


def run_example(code):
    """Runs `code` statement by statement, checking the outputs its
    comments show. Returns the number of outputs checked."""
    comments = comments_by_line(code)
    unchecked = {n for n, c in comments.items() if shown_outputs(c)}
    lines = code.splitlines()
    namespace, checked = {}, 0
    for statement in ast.parse(code).body:
        line = statement.end_lineno
        if line not in comments and line < len(lines):
            if lines[line].strip().startswith("#"):
                line += 1  # The output on a comment line of its own.
        shown = shown_outputs(comments.get(line, ""))
        where = f"line {line}: {lines[statement.lineno - 1].strip()}"
        if shown and isinstance(statement, ast.Expr):
            node = statement.value
            is_print = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "print"
                and len(node.args) == 1
            )
            value = evaluate(node.args[0] if is_print else node, namespace)
            if is_print:
                print(value)
            expected, atol, _ = shown[0]
            compare(value, expected, atol, where)
        elif shown and isinstance(statement, ast.Assign):
            exec(
                compile(ast.Module([statement], []), "<example>", "exec"),
                namespace,
            )
            (target,) = statement.targets
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            for name, output in zip(names, shown):
                compare_assigned(namespace[name.id], output, where)
        else:
            exec(
                compile(ast.Module([statement], []), "<example>", "exec"),
                namespace,
            )
            continue
        unchecked.discard(line)
        checked += len(shown)
    assert not unchecked, (
        "Outputs shown in comments that cannot be checked (not a top-level "
        f"expression, print or assignment): lines {sorted(unchecked)}"
    )
    return checked


def run_examples(target):
    module, name = target.split(":")
    obj = getattr(importlib.import_module(module), name)
    examples = re.findall(r"```python\n(.*?)```", obj.__doc__, re.S)
    assert examples, f"{name} has no runnable example"
    checked = 0
    for code in examples:
        try:
            checked += run_example(textwrap.dedent(code))
        except AssertionError as error:
            raise AssertionError(f"{target}: {error}") from None
    return checked


@pytest.mark.backend_free
@pytest.mark.parametrize(
    "code, message",
    [
        ("x = 0.98661\nx  # 0.9866...", None),
        ("x = 0.9875\nx  # 0.9866...", "line 2"),
        ("print(2 * 0.25)  # 0.5: half.", None),
        ("print(2 * 0.25)  # 0.6: half.", "line 1"),
        ("import numpy as np\nnp.ones((2, 3)).shape  # (2, 3)", None),
        ("import numpy as np\nnp.ones((2, 3)).shape  # (2, 4)", "line 2"),
        ("import numpy as np\ny = np.ones(4, 'int32')  # (4,) int32.", None),
        ("import numpy as np\ny = np.ones(4)  # (4,) int32.", "dtype"),
        ("import numpy as np\nnp.array([0.3, 0.7])  # array([0.3, 0.7])", None),
        (
            "import numpy as np\nnp.array([0.3, 0.8])  # array([0.3, 0.7])",
            "line",
        ),
        ("a, b = [1, 2], 'x'  # [1, 2], 'y'", "'x' != 'y'"),
        ("x = list(range(3))  # 3 items.", None),
        (
            "x = [(1, 'a', 'b'), (0, 'c', 'd')]\n# [(1, 'a', 'b'), (0, ...)]",
            None,
        ),
        (
            "x = [(1, 'a', 'b'), (0, 'c', 'd')]\n# [(1, 'a', 'c'), (0, ...)]",
            "!=",
        ),
        ("max(1, 2)\n# 3", "line 2"),
        ("for i in range(2):\n    i  # 1", "cannot be checked"),
    ],
)
def test_output_checker(code, message):
    if message is None:
        assert run_example(code) >= 0
    else:
        with pytest.raises(AssertionError, match=message):
            run_example(code)


@pytest.mark.parametrize("target", PUBLIC)
def test_docstring_example_runs(target):
    run_examples(target)


@pytest.mark.backend_free
def test_speaker_docstring_examples_run():
    missing = [p for p in ("espeak-ng", "flite") if shutil.which(p) is None]
    skip = missing and os.getenv("CI") != "true"
    for target in SPEAKER_PUBLIC:
        if target in NEEDS_SYNTHESIZERS and skip:
            continue
        run_examples(target)
