"""The columnar shape every metric source hands to evaluation.

Record-based metrics are read by monitoring; feedback and complaint metrics by functions in the
feedback app that return this same shape, so monitoring can evaluate any source the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Measurements:
    """One value per measured item (record, response, complaint, inspection), column-wise.

    `at` is the UTC time the item is attributed to (datetime64[us]); ids are 0 when unknown;
    `channel` holds strings ("" when unknown); `value` is in the metric's unit (for yes/no and
    category metrics 1.0 when the item matches, else 0.0); NaN values are not measured.
    """

    at: NDArray[np.datetime64]
    site: NDArray[np.int64]
    team: NDArray[np.int64]
    channel: NDArray[np.str_]
    agent: NDArray[np.int64]
    value: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.value.shape[0])

    @classmethod
    def empty(cls) -> Measurements:
        return cls(
            at=np.array([], dtype="datetime64[us]"),
            site=np.array([], dtype=np.int64),
            team=np.array([], dtype=np.int64),
            channel=np.array([], dtype=np.str_),
            agent=np.array([], dtype=np.int64),
            value=np.array([], dtype=np.float64),
        )
