"""The Nadeau–Bengio corrected resampled t-test against a value computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import ttest_1samp

from glioma_change.stats import corrected_resampled_ttest


def test_corrected_t_test_matches_a_hand_computed_value() -> None:
    # d = (0.10, 0.05, 0.00, 0.15): mean 0.075, s^2 = 0.0125 / 3, J = 4, n_test/n_train = 0.25
    # t = 0.075 / sqrt((1/4 + 0.25) * 0.0125 / 3) = 0.075 / sqrt(0.0125 / 6) = 1.6431676725...
    result = corrected_resampled_ttest(np.array([0.10, 0.05, 0.00, 0.15]), 0.25)
    t = 0.075 / math.sqrt(0.0125 / 6)
    assert result.t == pytest.approx(t, rel=1e-12) and result.t == pytest.approx(1.6431676725, rel=1e-9)
    # Student t with 3 degrees of freedom in closed form: P(|T| > t) = 1 - 2/pi (t/(sqrt3 (1 + t^2/3)) + atan(t/sqrt3))
    p = 1.0 - 2.0 / math.pi * (t / (math.sqrt(3) * (1 + t * t / 3)) + math.atan(t / math.sqrt(3)))
    assert result.p_value == pytest.approx(p, rel=1e-9) and result.n == 4 and result.mean == pytest.approx(0.075)


def test_without_correction_it_is_the_ordinary_one_sample_t_test_and_the_correction_widens_it() -> None:
    d = np.random.default_rng(0).normal(0.03, 0.05, 15)
    assert corrected_resampled_ttest(d, 0.0).p_value == pytest.approx(ttest_1samp(d, 0.0).pvalue, rel=1e-10)
    assert corrected_resampled_ttest(d, 0.25).p_value > corrected_resampled_ttest(d, 0.0).p_value


def test_nan_differences_are_left_out_and_degenerate_cases_are_defined() -> None:
    with_nan = corrected_resampled_ttest(np.array([0.10, np.nan, 0.05, 0.00, 0.15]), 0.25)
    assert (
        with_nan.n == 4
        and with_nan.p_value == corrected_resampled_ttest(np.array([0.10, 0.05, 0.00, 0.15]), 0.25).p_value
    )
    assert math.isnan(corrected_resampled_ttest(np.array([0.1, np.nan]), 0.25).p_value)
    assert corrected_resampled_ttest(np.zeros(5), 0.25).p_value == 1.0
    assert corrected_resampled_ttest(np.full(5, 0.02), 0.25).p_value == 0.0
