"""Twilio and its look-alikes; their handler is courier/handlers/twilio.py."""

from upesi.channeltypes import ChannelType, ConfigField

_ACCOUNT = (ConfigField("account_sid", "Account SID"), ConfigField("auth_token", "Auth token"))
_CALLBACKS = ("receive", "status")
# voice: read by mailroom.ivr; blank values are left out of the config (no limit, Twilio's API)
_VOICE = (
    ConfigField("max_concurrent_calls", "Maximum concurrent calls (blank: no limit)"),
    ConfigField("machine_detection", "Detect answering machines (any value: yes)"),
)

T = ChannelType(
    code="T",
    name="Twilio",
    address_label="Twilio phone number",
    config=(*_ACCOUNT, ConfigField("base_url", "API base URL (blank: https://api.twilio.com)"), *_VOICE),
    callbacks=_CALLBACKS,
    ivr=True,
)
TMS = ChannelType(
    code="TMS",
    name="Twilio Messaging Service",
    address_label="Messaging service SID",
    config=(*_ACCOUNT, ConfigField("messaging_service_sid", "Messaging service SID")),
    callbacks=_CALLBACKS,
)
TW = ChannelType(
    code="TW",
    name="TwiML API",
    address_label="Phone number",
    config=(*_ACCOUNT, ConfigField("send_url", "TwiML API base URL"), *_VOICE),
    callbacks=_CALLBACKS,
    ivr=True,
)
TWA = ChannelType(
    code="TWA",
    name="Twilio WhatsApp",
    address_label="WhatsApp number",
    config=_ACCOUNT,
    schemes=("whatsapp",),
    callbacks=_CALLBACKS,
)
SW = ChannelType(
    code="SW",
    name="SignalWire",
    address_label="Phone number",
    config=(
        ConfigField("account_sid", "Project ID"),
        ConfigField("auth_token", "API token"),
        ConfigField("send_url", "Space URL (https://<space>.signalwire.com)"),
        *_VOICE,
    ),
    callbacks=_CALLBACKS,
    ivr=True,
)

TYPES = (T, TMS, TW, TWA, SW)
