"""Google Calendar API v3 and Google's OAuth token endpoint, as the sandbox serves them."""

from tap_calinstances.sandbox.google.api import API_ROOT, BUDGET, TOKEN_PATH, GoogleCalendarApi

__all__ = ["API_ROOT", "BUDGET", "TOKEN_PATH", "GoogleCalendarApi"]
