"""ONNX Runtime and OpenVINO run beside jit and tvm, on the thread count of the result."""

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from benchsvc.backends import get_backend
from benchsvc.backends.openvino import compile_for_cpu
from benchsvc.backends.ort import session_for_cpu
from benchsvc.cli.app import app
from benchsvc.domain import RunDocument, Status
from benchsvc.models import InputShape, build_model, example_inputs

QUICK = ["--image-size", "32", "--repeat", "2", "--iterations", "1", "--warmup", "0"]


@pytest.fixture(scope="module")
def run_beside_the_references() -> RunDocument:
    result = CliRunner().invoke(
        app,
        ["run", "--backends", "jit,tvm,ort,openvino", "--json", "--no-store", "--threads", "1", *QUICK],
    )
    assert result.exit_code == 0, result.output
    return RunDocument.model_validate_json(result.stdout)


def test_a_run_measures_jit_tvm_and_both_reference_runtimes(run_beside_the_references):
    assert [(r.backend, r.status) for r in run_beside_the_references.results] == [
        ("jit", Status.OK), ("tvm", Status.OK), ("ort", Status.OK), ("openvino", Status.OK)
    ]


def test_tvm_in_a_run_is_paired_with_the_faster_reference_runtime(run_beside_the_references):
    results = {r.backend: r for r in run_beside_the_references.results}
    faster = max(("ort", "openvino"), key=lambda name: results[name].summary.median)

    assert results["tvm"].ratio_to_best_reference.reference == faster
    assert results["ort"].ratio_to_best_reference is None


@pytest.mark.parametrize(("name", "threads_field"), [("ort", "intra_op_threads"), ("openvino", "inference_num_threads")])
def test_a_reference_runtime_uses_the_thread_count_of_the_result(name, threads_field):
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        prepared = get_backend(name).prepare(
            build_model("resnet18"), example_inputs(InputShape(batch_size=1, image_size=32))
        )
    finally:
        torch.set_num_threads(previous)

    assert prepared.details is not None
    assert prepared.details[threads_field] == 2


@pytest.mark.parametrize("per_layer_counters", [False, True])
def test_openvino_counts_time_per_layer_only_when_asked(per_layer_counters):
    inputs = example_inputs(InputShape(batch_size=1, image_size=32))
    compiled = compile_for_cpu(build_model("resnet18"), inputs, 1, per_layer_counters=per_layer_counters)

    request = compiled.create_infer_request()
    request.infer([inputs[0].numpy()])

    executed = [layer for layer in request.get_profiling_info() if layer.status == layer.Status.EXECUTED]
    assert bool(executed) is per_layer_counters


def test_onnx_runtime_traces_the_time_of_each_node_when_given_a_profile_prefix(tmp_path: Path):
    inputs = example_inputs(InputShape(batch_size=1, image_size=32))
    session = session_for_cpu(build_model("resnet18"), inputs, 1, profile_prefix=tmp_path / "ort")

    session.run(None, {session.get_inputs()[0].name: inputs[0].numpy()})
    trace = json.loads(Path(session.end_profiling()).read_text())

    convs = [e for e in trace if e.get("cat") == "Node" and "Conv" in e["args"].get("op_name", "")]
    assert convs and all(e["dur"] >= 0 and e["args"]["output_type_shape"] for e in convs)


def test_onnx_runtime_writes_no_trace_without_a_profile_prefix():
    inputs = example_inputs(InputShape(batch_size=1, image_size=32))
    session = session_for_cpu(build_model("resnet18"), inputs, 1)

    session.run(None, {session.get_inputs()[0].name: inputs[0].numpy()})

    assert session.end_profiling() == ""
