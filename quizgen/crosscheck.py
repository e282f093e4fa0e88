"""Independent cross-check helpers for generators' ``check()`` (torch imported lazily)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def torch_flops(fn: Callable[[], Any]) -> int:
    """Total FLOPs that ``torch.utils.flop_counter.FlopCounterMode`` counts while ``fn`` runs.

    Build tensors on ``device="meta"`` inside ``fn`` so nothing is computed or allocated.
    """
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())
