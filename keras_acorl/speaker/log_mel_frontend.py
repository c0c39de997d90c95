import keras
import numpy as np

from keras_acorl.speaker.log_mel import check_frame_arguments


@keras.saving.register_keras_serializable(package="keras_acorl")
class LogMelFrontend(keras.layers.Layer):
    """In-graph log-mel features: raw waveforms to `(batch, frames, mels)`.

    Computes, inside the model, the features of
    `keras_acorl.speaker.log_mel_spectrogram`: a centred (reflect-padded)
    STFT with a Hann window, the power spectrum through an HTK-scale mel
    filterbank (`keras.layers.MelSpectrogram`), `log(mel_power + floor)`
    and, with `mean_normalize`, the mean over time of each mel bin
    subtracted per utterance (never across the batch). A speaker model
    with this layer first takes raw audio, so an exported model needs no
    feature code. The layer has no weights.

    `keras.layers.MelSpectrogram`'s own decibel scaling is not used: its
    `top_db` clipping takes the maximum over the whole batch, so one
    utterance's features would depend on the others. Nor is its STFT
    (`keras.ops.stft`): the layer computes the same spectrum with a
    strided convolution by a windowed DFT matrix, so that every exporter
    can trace it for any input length (see `call`).

    Args:
        sample_rate: int. Sample rate of the input in Hz. Defaults to
            `16000`.
        num_mel_bins: int. Number of mel bins. Defaults to `80`.
        frame_length: int. Window length in samples (25 ms at 16 kHz).
            Defaults to `400`.
        frame_step: int. Hop between frames in samples (10 ms). Defaults
            to `160`.
        fft_length: int >= `frame_length`. FFT size. Defaults to `512`.
        min_freq: float. Lower edge of the filterbank in Hz. Defaults to
            `20.0`.
        max_freq: float or None. Upper edge in Hz; None for
            `sample_rate / 2`. Defaults to None.
        floor: float > 0. Added to the mel power before the log. Defaults
            to `1e-6`.
        mean_normalize: bool. Subtract the per-utterance mean over time.
            Defaults to True.
        **kwargs: Base layer keyword arguments, such as `name`.

    Input shape: `(batch, samples)` float waveforms (any length).

    Output shape: `(batch, 1 + samples // frame_step, num_mel_bins)`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.speaker import LogMelFrontend

    frontend = LogMelFrontend()
    audio = np.random.uniform(-0.1, 0.1, size=(2, 32000)).astype("float32")
    frontend(audio).shape  # (2, 201, 80)
    ```
    """

    def __init__(
        self,
        sample_rate=16000,
        num_mel_bins=80,
        frame_length=400,
        frame_step=160,
        fft_length=512,
        min_freq=20.0,
        max_freq=None,
        floor=1e-6,
        mean_normalize=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_frame_arguments(
            sample_rate,
            num_mel_bins,
            frame_length,
            frame_step,
            fft_length,
            floor,
        )
        if not isinstance(mean_normalize, bool):
            raise TypeError(
                f"`mean_normalize` must be a bool. Received: {mean_normalize!r}"
            )
        self.sample_rate = sample_rate
        self.num_mel_bins = num_mel_bins
        self.frame_length = frame_length
        self.frame_step = frame_step
        self.fft_length = fft_length
        self.min_freq = float(min_freq)
        self.max_freq = None if max_freq is None else float(max_freq)
        self.floor = float(floor)
        self.mean_normalize = mean_normalize
        # Keras' HTK mel filterbank, `(fft_length // 2 + 1, num_mel_bins)`:
        # the weights `keras.layers.MelSpectrogram` applies.
        mel = keras.layers.MelSpectrogram(
            fft_length=fft_length,
            sequence_stride=frame_step,
            sequence_length=frame_length,
            sampling_rate=sample_rate,
            num_mel_bins=num_mel_bins,
            min_freq=self.min_freq,
            max_freq=self.max_freq,
        )
        self.mel_weights = keras.ops.convert_to_numpy(
            mel.linear_to_mel_weight_matrix(
                num_mel_bins=num_mel_bins,
                num_spectrogram_bins=fft_length // 2 + 1,
                sampling_rate=sample_rate,
                lower_edge_hertz=mel.min_freq,
                upper_edge_hertz=mel.max_freq,
            )
        ).astype("float32")
        self.dft_kernel = _windowed_dft_kernel(frame_length, fft_length)

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                "LogMelFrontend expects waveforms of shape (batch, samples). "
                f"Received shape {tuple(input_shape)}."
            )
        self.built = True

    def call(self, inputs):
        # The centred, Hann-windowed power spectrum of `keras.ops.stft`
        # (librosa's `center=True`, reflect padding), without an FFT op:
        # tf2onnx cannot convert TensorFlow's RFFT, and the reflect
        # padding of `ops.stft` needs a static length under JAX's and
        # torch's export tracing. Here the frames are cut by a strided
        # convolution whose kernel is the windowed real DFT (cosine and
        # sine columns), an exact STFT up to float rounding that every
        # exporter and runtime supports with a dynamic length. The reflect
        # padding is one gather: padded position q takes sample
        # |i| - 2 * max(-j, 0), where i = q - pad counts from the first
        # sample and j = length - 1 - i (the reverse of i) from the last.
        # The positions come from a cumulative sum over the zero-padded
        # signal, never from the length as a number, and no tensors are
        # concatenated: jax2onnx miscomputes both over a symbolic length.
        pad = self.fft_length // 2
        samples = inputs.shape[-1]
        # Only a static length can be checked here (an exporter's symbolic
        # length is not an int); a shorter waveform would be reflected
        # past its ends, which JAX's gather silently clamps.
        if isinstance(samples, int) and samples <= pad:
            raise ValueError(
                "LogMelFrontend needs waveforms longer than fft_length // 2 "
                f"= {pad} samples (the centred frames reflect that many "
                f"samples at each end). Received {samples} samples."
            )
        waveforms = keras.ops.cast(inputs, "float32")
        zero_padded = keras.ops.pad(waveforms[:1], ((0, 0), (pad, pad)))
        from_first = (
            keras.ops.cumsum(keras.ops.ones_like(zero_padded[0], "int32"))
            - 1
            - pad
        )
        from_last = keras.ops.flip(from_first, axis=0)
        positions = keras.ops.abs(from_first) - 2 * keras.ops.maximum(
            -from_last, 0
        )
        padded = keras.ops.take(waveforms, positions, axis=1)
        spectrum = keras.ops.conv(
            keras.ops.expand_dims(padded, -1),
            keras.ops.convert_to_tensor(self.dft_kernel),
            strides=self.frame_step,
            padding="valid",
        )  # (batch, frames, 2 * (fft_length // 2 + 1)): real, imaginary.
        real, imaginary = keras.ops.split(spectrum, 2, axis=-1)
        power = keras.ops.square(real) + keras.ops.square(imaginary)
        mel = keras.ops.matmul(
            power, keras.ops.convert_to_tensor(self.mel_weights)
        )
        features = keras.ops.log(mel + self.floor)
        if self.mean_normalize:
            features = features - keras.ops.mean(
                features, axis=1, keepdims=True
            )
        return keras.ops.cast(features, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        samples = input_shape[1]
        frames = None if samples is None else 1 + samples // self.frame_step
        return (input_shape[0], frames, self.num_mel_bins)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sample_rate": self.sample_rate,
                "num_mel_bins": self.num_mel_bins,
                "frame_length": self.frame_length,
                "frame_step": self.frame_step,
                "fft_length": self.fft_length,
                "min_freq": self.min_freq,
                "max_freq": self.max_freq,
                "floor": self.floor,
                "mean_normalize": self.mean_normalize,
            }
        )
        return config


def _windowed_dft_kernel(frame_length, fft_length):
    """Conv kernel `(fft_length, 1, 2 * bins)` of the STFT `keras.ops.stft`
    computes: a periodic Hann window of `frame_length` centred in
    `fft_length` samples, times the cosine (real part) and minus sine
    (imaginary part) of the `bins = fft_length // 2 + 1` real-DFT
    frequencies, computed in float64."""
    left = (fft_length - frame_length) // 2
    window = np.zeros(fft_length)
    n = np.arange(frame_length)
    window[left : left + frame_length] = 0.5 - 0.5 * np.cos(
        2.0 * np.pi * n / frame_length
    )
    # n * k mod fft_length keeps the angles exact before the float64 trig.
    turns = np.outer(np.arange(fft_length), np.arange(fft_length // 2 + 1))
    angles = 2.0 * np.pi * (turns % fft_length) / fft_length
    kernel = np.concatenate(
        [window[:, None] * np.cos(angles), -window[:, None] * np.sin(angles)],
        axis=1,
    )
    return kernel[:, None, :].astype("float32")
