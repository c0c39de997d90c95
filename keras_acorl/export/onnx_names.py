"""Gives the input and output of an ONNX file the names users call them by.

Keras' ONNX exporters name tensors after the backend's graph (`args_0`,
`Identity:0`, `add_out_1`, a number on torch): renaming them here gives one
interface whichever backend exported the file.
"""


def _rename_uses(graph, old, new):
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
        for attribute in node.attribute:
            for subgraph in (attribute.g, *attribute.graphs):
                _rename_uses(subgraph, old, new)


def rename_onnx_io(path, input_name, output_name):
    """Renames the single input of the ONNX model at `path` to
    `input_name` and its single output to `output_name`, in place."""
    import onnx

    model = onnx.load(path)
    graph = model.graph
    initializers = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise ValueError(
            f"Expected one input and one output in {path}, found "
            f"{[i.name for i in inputs]} and {[o.name for o in graph.output]}."
        )
    if inputs[0].name != input_name:
        _rename_uses(graph, inputs[0].name, input_name)
        inputs[0].name = input_name
    output = graph.output[0]
    if output.name != output_name:
        # A graph output may also feed other nodes: keep its producer and
        # add an Identity carrying the public name.
        graph.node.append(
            onnx.helper.make_node(
                "Identity", [output.name], [output_name], name=output_name
            )
        )
        output.name = output_name
    onnx.checker.check_model(model)
    onnx.save(model, path)
