"""The sandbox: working emulations of the calendar provider APIs on a loopback port.

Run it with `tap-calinstances-sandbox`, or in-process with `Sandbox`.
"""

from tap_calinstances.sandbox.base import RequestRecord
from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.server import Sandbox
from tap_calinstances.sandbox.world import ChangeError

__all__ = ["ChangeError", "Faults", "RequestRecord", "Sandbox"]
