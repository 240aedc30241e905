#!/usr/bin/python3
"""Exports torchvision models to ONNX with PyTorch's own exporter, and PyTorch's per-layer MAC counts beside them.

Uses Debian's python3-torch and python3-torchvision (apt-get install python3-torch python3-torchvision); run it with
/usr/bin/python3. Weights are random (seeded): no weights are downloaded. For each model and opset it writes

  OUT/<name>-opset<k>.onnx   the export (torch.onnx.export, eval mode, input 1x3xHxW)
  OUT/<name>-opset<k>.json   what PyTorch itself counts, from forward hooks on every Conv2d and Linear, in call order:
                             name, kind, input and output shapes, groups, MACs (output elements x C/G x kernel size),
                             weight count, non-zero weights, and non-zero weights after the importer's documented
                             int8 rule (scale = max|w| / 127, round half away from zero) on the exported weights.

Usage: export-torchvision.py OUT [MODEL[:OPSETS] ...]
  default: squeezenet1_1:9,13,17 shufflenet_v2_x0_5:11,13u,17 mobilenet_v2:9,13u,17 resnet18:9,13u,17
           googlenet:11,13,17 mobilenet_v3_small:13,17 squeezenet1_1-pruned:9,13 mnasnet0_5:13
An opset written like 13u exports without constant folding or BatchNormalization fusion, so BatchNormalization, Identity-aliased weights and
Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains stay in the graph. A model name ending in -pruned is that model with 75% of its Conv/Linear weights set to zero (global L1-magnitude
pruning, torch.nn.utils.prune), so its export carries real zeros.
"""
import json
import os
import sys

import torch
import torchvision

DEFAULT = [
    "squeezenet1_1:9,13,17",
    "shufflenet_v2_x0_5:11,13u,17",
    "mobilenet_v2:9,13u,17",
    "resnet18:9,13u,17",
    "googlenet:11,13,17",
    "mobilenet_v3_small:13,17",
    "squeezenet1_1-pruned:9,13",
    "mnasnet0_5:13",
]
PRUNE_AMOUNT = 0.75


def build(name):
    base = name[: -len("-pruned")] if name.endswith("-pruned") else name
    kwargs = {}
    if base == "googlenet":
        # The auxiliary classifiers only run in training; init_weights avoids scipy's truncated normal.
        kwargs = {"aux_logits": False, "init_weights": True}
    model = getattr(torchvision.models, base)(**kwargs).eval()
    if name.endswith("-pruned"):
        import torch.nn.utils.prune as prune

        params = [(m, "weight") for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
        prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=PRUNE_AMOUNT)
        for m, p in params:
            prune.remove(m, p)
    return model


def int8_nonzeros(w):
    """Non-zeros after the importer's rule: per tensor, scale = max|w| / 127, round half away from zero."""
    top = w.abs().max().item()
    if top == 0:
        return 0
    q = torch.floor(w.abs().double() / (top / 127) + 0.5)
    return int((q != 0).sum().item())


def count(model, x):
    layers = []
    names = {m: n for n, m in model.named_modules()}

    def hook(module, inputs, output):
        w = module.weight.detach()
        if isinstance(module, torch.nn.Conv2d):
            kind = "Conv2d"
            kernel = module.kernel_size[0] * module.kernel_size[1]
            macs = output.numel() * (module.in_channels // module.groups) * kernel
            groups = module.groups
        else:
            kind = "Linear"
            macs = output.numel() * module.in_features
            groups = 1
        layers.append({
            "name": names[module],
            "kind": kind,
            "input": list(inputs[0].shape),
            "output": list(output.shape),
            "groups": groups,
            "macs": int(macs),
            "weights": int(w.numel()),
            "nonZeroWeights": int((w != 0).sum().item()),
        })

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return layers


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for spec in sys.argv[2:] or DEFAULT:
        name, _, opsets = spec.partition(":")
        for token in (opsets or "13").split(","):
            # "13u": opset 13 unfused: no constant folding, BatchNormalization and Shape chains stay nodes.
            folding = not token.endswith("u")
            opset = int(token.rstrip("u"))
            torch.manual_seed(0)
            model = build(name)
            size = 224
            x = torch.rand(1, 3, size, size)
            layers = count(model, x)
            stem = os.path.join(out, f"{name}-opset{token}")
            torch.onnx.export(model, x, stem + ".onnx", opset_version=opset, input_names=["input"],
                              output_names=["logits"], do_constant_folding=folding,
                              # EVAL fuses BatchNormalization into the Conv; PRESERVE (the model is in eval mode)
                              # keeps it as a node.
                              training=torch.onnx.TrainingMode.EVAL if folding else torch.onnx.TrainingMode.PRESERVE)
            # The importer folds BatchNormalization into the weights before quantising; only models without it
            # (or pruned ones, where the test checks the zeros) get an int8 count that is comparable.
            has_bn = any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
            modules = dict(model.named_modules())
            for layer in layers:
                if not has_bn:
                    layer["int8NonZeroWeights"] = int8_nonzeros(modules[layer["name"]].weight.detach())
            summary = {
                "model": name,
                "torch": torch.__version__,
                "torchvision": torchvision.__version__,
                "opset": opset,
                "constantFolding": folding,
                "input": list(x.shape),
                "prunedFraction": PRUNE_AMOUNT if name.endswith("-pruned") else 0,
                "totalMacs": sum(l["macs"] for l in layers),
                "layers": layers,
            }
            with open(stem + ".json", "w") as f:
                json.dump(summary, f, indent=1)
                f.write("\n")
            print(f"{stem}.onnx: {len(layers)} conv/linear layers, {summary['totalMacs']} MACs, "
                  f"{os.path.getsize(stem + '.onnx')} bytes")


if __name__ == "__main__":
    main()
