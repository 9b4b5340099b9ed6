import pytest

from benchsvc.models import MODEL_NAMES
from benchsvc.runner.environment import default_threads
from benchsvc.scheduling import load_suite
from benchsvc.scheduling.suite import SuiteError


def test_without_a_suite_file_every_model_runs_through_jit_and_tvm_on_one_and_all_cores(tmp_path):
    suite = load_suite(tmp_path / "missing.toml")

    measured = {(m.model, m.backend, m.threads) for m in suite.measurements()}

    cores = default_threads()
    assert measured == {
        (model, backend, threads) for model in MODEL_NAMES for backend in ("jit", "tvm") for threads in {1, cores}
    }


def test_a_suite_file_chooses_models_backends_threads_and_per_backend_timeouts(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text(
        '[suite]\nmodels = ["resnet50"]\nbackends = ["jit", "tvm"]\nthreads = [2]\n'
        "timeout_seconds = 600\nbackend_timeouts = { tvm = 7200 }\n"
    )

    measurements = load_suite(path).measurements()

    assert [(m.model, m.backend, m.threads, m.timeout_seconds) for m in measurements] == [
        ("resnet50", "jit", 2, 600), ("resnet50", "tvm", 2, 7200),
    ]


def test_an_unknown_model_in_the_suite_file_is_named_with_the_choices(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text('[suite]\nmodels = ["resnet19"]\n')

    with pytest.raises(SuiteError, match=r"suite\.models: Value error, unknown model 'resnet19'; choose from: resnet18"):
        load_suite(path)


def test_a_suite_file_that_is_not_toml_says_so(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text("[suite\n")

    with pytest.raises(SuiteError, match="not valid TOML"):
        load_suite(path)
