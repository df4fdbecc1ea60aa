"""Feishu / Lark Open Platform calendar v4 and its tenant token endpoint, as the sandbox
serves them."""

from tap_calinstances.sandbox.feishu.api import API_ROOT, BUDGET, TOKEN_PATH, FeishuCalendarApi

__all__ = ["API_ROOT", "BUDGET", "TOKEN_PATH", "FeishuCalendarApi"]
