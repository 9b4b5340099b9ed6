from benchsvc.runner.validity import degraded_reason, heavy_fallbacks


def test_a_convolution_in_pytorch_degrades_a_tvm_result():
    reason = degraded_reason("tvm", {"aten.convolution.default": 1, "aten.relu.default": 2})

    assert reason is not None and "aten.convolution.default x1" in reason


def test_linear_and_pooling_count_as_heavy_work():
    assert heavy_fallbacks({"addmm": 1, "max_pool2d_with_indices": 1, "adaptive_avg_pool2d": 1}) == [
        "adaptive_avg_pool2d", "addmm", "max_pool2d_with_indices",
    ]


def test_elementwise_ops_in_pytorch_do_not_degrade_a_result():
    assert degraded_reason("tvm", {"aten.special_erfcx.default": 1, "mul": 3}) is None
