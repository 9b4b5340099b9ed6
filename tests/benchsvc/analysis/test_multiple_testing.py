"""Benjamini-Hochberg q-values: what the service's confidence (1 - q) is made of."""

from __future__ import annotations

import pytest

from benchsvc.analysis.multiple_testing import confidences, q_values


def test_a_single_test_keeps_its_p_value():
    assert q_values([0.003]) == pytest.approx([0.003])


def test_q_values_grow_with_the_number_of_tests_and_keep_their_order():
    # Given one small p-value among 29 unremarkable ones
    p_values = [0.001] + [0.5] * 29
    # When they are adjusted together
    q = q_values(p_values)
    # Then the small one is multiplied by the number of tests over its rank
    assert q[0] == pytest.approx(0.03)
    assert all(value == pytest.approx(0.5) for value in q[1:])


def test_confidence_is_one_minus_q():
    assert confidences([0.01, 0.02]) == pytest.approx([0.98, 0.98])


def test_nothing_to_adjust_is_nothing():
    assert q_values([]) == []
