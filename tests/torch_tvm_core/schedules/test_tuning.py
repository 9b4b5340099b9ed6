"""tune() records the best point of each conv kernel's schedule space; compiles apply it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torch_tvm_core import pipeline
from torch_tvm_core.schedules import databases
from torch_tvm_core.errors import TuningDatabaseError
from torch_tvm_core.schedules.cpu import isa_level
from torch_tvm_core.schedules.tuning import tune
from torch_tvm_core.tuning_database import apply_tuning, resolve_tuning_database


def _small_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 8, 1)).eval()


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    path = tmp_path_factory.mktemp("db")
    progress = []
    tune(_small_model(), (torch.randn(1, 16, 8, 8),), trials=4, database=path,
         on_progress=progress.append)
    return path, progress


def test_given_a_model_when_tuned_then_each_conv_kernel_keeps_one_best_record(tuned):
    path, progress = tuned
    records = databases.open_database(path).get_all_tuning_records()
    assert len(records) == progress[-1].kernel_count == 2
    assert all(p.best_us is not None and p.best_us > 0 for p in progress)


def test_given_a_tuned_database_when_tuning_again_then_it_resumes_without_measuring(tuned):
    path, _ = tuned
    progress = []
    tune(_small_model(), (torch.randn(1, 16, 8, 8),), trials=4, database=path,
         on_progress=progress.append)
    assert [p.trials_run for p in progress] == [0, 0]


def test_given_a_tuned_database_when_compiling_with_it_then_results_match_eager(
    tuned, matches_eager
):
    path, _ = tuned
    matches_eager(_small_model(), (torch.randn(1, 16, 8, 8),), tuning_db=path)


def test_given_a_database_for_other_shapes_when_compiling_then_defaults_cover_the_rest(
    tuned, matches_eager
):
    path, _ = tuned
    torch.manual_seed(1)
    other = nn.Sequential(nn.Conv2d(16, 24, 3, padding=1), nn.ReLU()).eval()
    matches_eager(other, (torch.randn(2, 16, 5, 5),), tuning_db=path)


def test_given_false_when_resolving_then_no_database_is_used():
    assert resolve_tuning_database(False, pipeline.default_target(1)) is None


def test_given_none_when_resolving_then_the_applied_database_wins_over_the_shipped(
    tuned, tmp_path, monkeypatch
):
    path, _ = tuned
    monkeypatch.setenv(databases.TUNING_DIR_ENV, str(tmp_path / "machine"))
    target = pipeline.default_target(1)
    shipped = databases.shipped_database(target)
    with apply_tuning(path):
        assert resolve_tuning_database(None, target).path == path.resolve()
    resolved = resolve_tuning_database(None, target)
    assert (resolved.path if resolved else None) == (shipped.resolve() if shipped else None)


def test_given_a_directory_without_records_when_resolving_then_it_is_rejected(tmp_path):
    with pytest.raises(TuningDatabaseError, match="is not a tuning database"):
        resolve_tuning_database(tmp_path, pipeline.default_target(1))


@pytest.mark.parametrize("size", [7, 12])
def test_given_any_point_of_a_conv_space_when_run_then_it_computes_what_the_default_does(size):
    import numpy
    import tvm
    from tvm.s_tir import meta_schedule as ms

    from torch_tvm_core import capture, lower
    from torch_tvm_core.schedules.conv_decisions import replaying
    from torch_tvm_core.schedules.tuning import _is_conv, _space, schedule_conv

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU()).eval()
    target = pipeline.default_target(2)
    kernels = pipeline.lower_to_kernels(
        lower.relax_module(capture.export_program(model, (torch.randn(1, 16, size, size),))),
        target,
    )
    (task,) = [t for t in ms.relax_integration.extract_tasks(kernels, target) if _is_conv(t)]
    workload = task.dispatched[0]
    infos = ms.arg_info.ArgInfo.from_prim_func(workload["main"])
    inputs = [numpy.random.uniform(-1, 1, [int(d) for d in a.shape]).astype(a.dtype) for a in infos]
    outputs = []
    space = _space(workload, target)
    assert len(space) > 4
    for decisions in space:
        sch = tvm.s_tir.Schedule(workload)
        schedule_conv(sch, target, replaying(decisions))
        args = [tvm.runtime.tensor(x) for x in inputs]
        tvm.compile(sch.mod, target=target)["main"](*args)
        outputs.append(args[-1].numpy())
    for decisions, output in zip(space, outputs):
        numpy.testing.assert_allclose(output, outputs[0], atol=1e-4, rtol=1e-4, err_msg=str(decisions))


def _shipped_for_this_isa() -> list[str]:
    isa = isa_level(pipeline.default_target(2))
    return [e["directory"] for e in databases.shipped_manifest() if e["isa"] == isa]


@pytest.mark.parametrize("directory", _shipped_for_this_isa())
def test_given_a_shipped_database_of_this_isa_when_resnet18_is_compiled_with_it_then_it_matches_eager(
    directory, matches_eager
):
    import torchvision

    torch.manual_seed(0)
    matches_eager(torchvision.models.resnet18(weights=None), (torch.randn(1, 3, 224, 224),),
                  tuning_db=databases.SHIPPED_DIR / directory)


def test_given_a_record_chosen_among_candidates_the_rule_no_longer_offers_when_tuning_again_then_its_kernel_is_tuned_anew(
    tmp_path, monkeypatch
):
    from tests.support.tuning import database_with_tuned_records
    from torch_tvm_core.schedules import conv_rule

    # Given a database whose records came from a rule that offered no unrolling first, then the whole chunk
    model, inputs = _small_model(), (torch.randn(1, 16, 8, 8),)
    with monkeypatch.context() as older_rule:
        older_rule.setattr(conv_rule, "channel_unrolls", lambda ic_block: [1, ic_block])
        database_with_tuned_records(model, inputs, tmp_path)

    # When it is tuned again with today's rule
    progress = []
    tune(model, inputs, trials=2, database=tmp_path, on_progress=progress.append)

    # Then every kernel is measured again and ends with a record that holds today
    assert all(p.trials_run > 0 for p in progress)
    assert all(p.best_us is not None for p in progress)
