"""The sandbox: working emulations of the calendar provider APIs on a loopback port.

Run it with `tap-calinstances-sandbox`, or in-process with `Sandbox`. The core (this
folder) is provider-neutral; each emulated API lives in its own folder (`google/`).
"""

from tap_calinstances.sandbox.changes import ChangeError
from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.limits import Limits
from tap_calinstances.sandbox.provider import RequestRecord
from tap_calinstances.sandbox.server import Sandbox

__all__ = ["ChangeError", "Faults", "Limits", "RequestRecord", "Sandbox"]
