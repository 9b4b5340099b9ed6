"""Which results form one time series."""

from benchsvc.domain import Machine, Result, Status, stable_hash

MACHINE = Machine(hostname="bench-1", cpu_model="AMD EPYC", cpu_flags=["avx2"], cores=2, memory_bytes=2**34, os="Linux")


def tvm_result(**changes) -> Result:
    fields = dict(model="resnet18", backend="tvm", batch_size=1, image_size=224, threads=2, status=Status.FAILED,
                  configuration="opt_level=3;tuning=defaults")
    return Result(**{**fields, **changes})


def test_two_tuning_databases_are_two_series():
    with_database = tvm_result(configuration="opt_level=3;tuning=fed484cddeac7fe8")

    assert with_database.history_key(MACHINE) != tvm_result().history_key(MACHINE)


def test_two_image_sizes_are_two_series():
    assert tvm_result(image_size=160).history_key(MACHINE) != tvm_result().history_key(MACHINE)


def test_the_same_case_and_configuration_is_one_series_whatever_else_differs():
    assert tvm_result(error="x").history_key(MACHINE) == tvm_result().history_key(MACHINE)


def test_a_backend_without_configuration_keeps_the_key_it_had_before_configurations_existed():
    jit = Result(model="resnet18", backend="jit", batch_size=1, image_size=224, threads=2, status=Status.FAILED)

    before = stable_hash({"machine": MACHINE.fingerprint, "model": "resnet18", "backend": "jit",
                          "batch_size": 1, "image_size": 224, "threads": 2})

    assert jit.history_key(MACHINE) == before
