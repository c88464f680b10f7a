"""Flow-type sets shared by action modules."""

ALL_TYPES = ("messaging", "messaging_background", "messaging_offline", "voice")
INTERACTIVE = ("messaging", "messaging_offline", "voice")
MESSAGING = ("messaging", "messaging_offline")
VOICE = ("voice",)
ONLINE = ("messaging", "messaging_background", "voice")
