"""A simulated fal.ai Platform API (fal's own dialect and the LowCodeAPI proxy dialect).

A leaf package: it imports nothing from the rest of the project, so a wrong field name in
the client is not repeated here. Use it in-process through ``create_app`` and
``httpx.ASGITransport``, or on loopback with ``serving()``.
"""

from .app import create_app
from .config import (
    SIM_FAL_API_SCOPE_KEY,
    SIM_FAL_KEY,
    SIM_LOWCODE_TOKEN,
    Faults,
    Latitude,
    SimConfig,
)
from .faults import SCENARIOS
from .server import serving
from .simulation import Simulation

__all__ = [
    "SCENARIOS",
    "SIM_FAL_API_SCOPE_KEY",
    "SIM_FAL_KEY",
    "SIM_LOWCODE_TOKEN",
    "Faults",
    "Latitude",
    "SimConfig",
    "Simulation",
    "create_app",
    "serving",
]
