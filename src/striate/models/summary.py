"""``model.summary()``'s table as a string: a pure formatter over the model's layers.

Parameter counts are the sizes of each layer's weights, so they equal Keras's
for the same model (a Dense layer has ``in * units + units``; BatchNormalization
has four vectors, two of them not trainable).
"""

__all__ = ["format_summary"]


def _format_count(n):
    return f"{n:,}"


def _format_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024.0
    return f"{n:.2f} GB"  # pragma: no cover


def _shape_text(layer):
    try:
        shape = layer.output_shape
    except AttributeError:
        return "?"
    return str(shape)


def _type_name(layer):
    from striate.models.model import Model

    # Keras's class for a model made from inputs and outputs is ``Functional``.
    if type(layer) is Model and layer._graph is not None:
        return "Functional"
    return type(layer).__name__


def _connected_to(model, layer):
    if not layer._inbound_nodes or model._graph is None:
        return ""
    own = [node for node in model._graph.nodes if node.layer is layer]
    if not own:
        return "-"
    names = [f"{t.node.layer.name}[{t.node.layer._inbound_nodes.index(t.node)}][{t.index}]"
             for node in own for t in node.inputs]
    return ", ".join(names) or "-"


def format_summary(model, line_length=None, show_trainable=False):
    """The summary table of ``model`` as text.

    Columns: layer name and type, output shape, parameter count, and for
    functional models with branches, the layers each one reads from.
    """
    from striate.models.sequential import Sequential

    functional = model._graph is not None and not isinstance(model, Sequential)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional else [])
    if show_trainable:
        headers.append("Trainable")
    rows = []
    for layer in model.layers:
        row = [f"{layer.name} ({_type_name(layer)})", _shape_text(layer), _format_count(layer.count_params())]
        if functional:
            row.append(_connected_to(model, layer))
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        rows.append(row)
    widths = [max([len(h)] + [len(r[i]) for r in rows]) + 2 for i, h in enumerate(headers)]
    if line_length:
        widths[0] = max(widths[0], line_length - sum(widths[1:]) - len(widths) - 1)

    def line(left, fill, mid, right):
        return left + mid.join(fill * w for w in widths) + right

    def cells(values, border):
        parts = [f" {v:>{w - 2}} " if i == 2 else f" {v:<{w - 2}} " for i, (v, w) in enumerate(zip(values, widths))]
        return border + border.join(parts) + border

    out = [f'Model: "{model.name}"', line("┏", "━", "┳", "┓"), cells(headers, "┃"), line("┡", "━", "╇", "┩")]
    for i, row in enumerate(rows):
        out.append(cells(row, "│"))
        out.append(line("├", "─", "┼", "┤") if i < len(rows) - 1 else line("└", "─", "┴", "┘"))
    if not rows:
        out.append(line("└", "─", "┴", "┘"))
    total = sum(v.size for v in model.weights)
    trainable = sum(v.size for v in model.trainable_weights)
    nbytes = {id(v): v.data.nbytes for v in model.weights}
    total_bytes = sum(nbytes.values())
    trainable_bytes = sum(nbytes[id(v)] for v in model.trainable_weights)
    out.append(f" Total params: {_format_count(total)} ({_format_bytes(total_bytes)})")
    out.append(f" Trainable params: {_format_count(trainable)} ({_format_bytes(trainable_bytes)})")
    out.append(f" Non-trainable params: {_format_count(total - trainable)} "
               f"({_format_bytes(total_bytes - trainable_bytes)})")
    return "\n".join(out)
