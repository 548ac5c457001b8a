"""Fitting and predicting with the trees on one thread.

scikit-learn's gradient boosting runs OpenMP threads, and on a machine with more busy processes than
cores those threads wait for each other at every tree: a fit of a few hundred states then took seconds
instead of a tenth of one. One thread is what these small tests need.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # scikit-learn's own dependency


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield
