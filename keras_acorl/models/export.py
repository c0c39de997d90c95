"""Export of keras-acorl models whose input structure is known."""

import keras


def input_signature_from(inputs):
    """`export()`'s `input_signature` for a model called as `model(inputs)`
    with `inputs` of the structure of the symbolic tensors `inputs`."""
    return [
        keras.tree.map_structure(
            lambda t: keras.InputSpec(shape=t.shape, dtype=t.dtype), inputs
        )
    ]


class InferredSignatureExport:
    """Mixin for subclassed models: `export()` needs no `input_signature`
    when `self.export_inputs()` returns symbolic inputs."""

    def export_inputs(self):
        return None

    def export(
        self,
        filepath,
        format="tf_saved_model",
        verbose=None,
        input_signature=None,
        **kwargs,
    ):
        inputs = self.export_inputs()
        if input_signature is None and inputs is not None:
            input_signature = input_signature_from(inputs)
        return super().export(
            filepath,
            format=format,
            verbose=verbose,
            input_signature=input_signature,
            **kwargs,
        )
