"""Split an ATen graph into subgraphs TVM takes and the nodes PyTorch keeps."""

from __future__ import annotations

import dataclasses
import operator
from collections import Counter
from collections.abc import Iterable

from torch import fx
from torch.fx.passes.infra.partitioner import CapabilityBasedPartitioner, Partition
from torch.fx.passes.utils.fuser_utils import fuse_by_partitions

from torch_tvm_core.errors import UnsupportedOperatorError
from torch_tvm_core.support import TVMOperatorSupport, is_supported, op_name

SUBGRAPH_PREFIX = "tvm_subgraph_"


@dataclasses.dataclass
class Partitioning:
    """The graph with each TVM subgraph fused into a call_module named SUBGRAPH_PREFIX<n>."""

    graph_module: fx.GraphModule
    subgraph_ops: dict[str, Counter[str]]
    fallback_ops: Counter[str]
    unsupported_ops: Counter[str]


def is_compute(node: fx.Node) -> bool:
    """An operator the user's model performs, as opposed to plumbing such as getitem."""
    return node.op == "call_function" and node.target is not operator.getitem


def count_ops(nodes: Iterable[fx.Node]) -> Counter[str]:
    return Counter(op_name(node) for node in nodes if is_compute(node))


def partition(
    graph_module: fx.GraphModule, *, min_subgraph_size: int, strict: bool
) -> Partitioning:
    """Fuse TVM-capable neighbours into subgraphs of at least `min_subgraph_size` compute ops."""
    unsupported = count_ops(
        node for node in graph_module.graph.nodes if is_compute(node) and not is_supported(node)
    )
    if strict and unsupported:
        raise UnsupportedOperatorError(unsupported)
    partitioner = CapabilityBasedPartitioner(
        graph_module, TVMOperatorSupport(), allows_single_node_partition=True
    )
    kept = [
        part
        for part in partitioner.propose_partitions()
        if sum(count_ops(part.nodes).values()) >= min_subgraph_size
    ]
    kept_ops = [count_ops(part.nodes) for part in kept]
    for part in kept:
        _take_private_weights(part)
    fused = fuse_by_partitions(
        graph_module,
        [part.nodes for part in kept],
        prefix=SUBGRAPH_PREFIX,
        always_return_tuple=True,
    )
    remaining = count_ops(fused.graph.nodes)
    return Partitioning(
        graph_module=fused,
        subgraph_ops={f"{SUBGRAPH_PREFIX}{index}": ops for index, ops in enumerate(kept_ops)},
        fallback_ops=remaining,
        unsupported_ops=unsupported,
    )


def _take_private_weights(part: Partition) -> None:
    """Move weights only this subgraph reads into it, so TVM binds them as constants."""
    for node in list(part.nodes):
        for source in node.all_input_nodes:
            if source.op == "get_attr" and all(user in part.nodes for user in source.users):
                part.add_node(source)
