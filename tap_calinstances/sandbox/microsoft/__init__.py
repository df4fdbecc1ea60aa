"""Microsoft Graph v1.0 (users and calendars) and its token endpoint, as the sandbox serves them."""

from tap_calinstances.sandbox.microsoft.api import API_ROOT, BUDGET, PATHS, MicrosoftGraphApi
from tap_calinstances.sandbox.microsoft.dataset import fixed_data

__all__ = ["API_ROOT", "BUDGET", "PATHS", "MicrosoftGraphApi", "fixed_data"]
