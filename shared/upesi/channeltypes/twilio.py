"""Twilio and its look-alikes; their handler is courier/handlers/twilio.py."""

from upesi.channeltypes import ChannelType, ConfigField

_ACCOUNT = (ConfigField("account_sid", "Account SID"), ConfigField("auth_token", "Auth token"))
_CALLBACKS = ("receive", "status")

T = ChannelType(
    code="T", name="Twilio", address_label="Twilio phone number", config=_ACCOUNT, callbacks=_CALLBACKS
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
    config=(*_ACCOUNT, ConfigField("send_url", "TwiML API base URL")),
    callbacks=_CALLBACKS,
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
    ),
    callbacks=_CALLBACKS,
)

TYPES = (T, TMS, TW, TWA, SW)
