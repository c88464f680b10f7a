"""Vonage, formerly Nexmo (NX); its handler is courier/handlers/vonage.py."""

from upesi.channeltypes import ChannelType, ConfigField

NX = ChannelType(
    code="NX",
    name="Vonage",
    address_label="Phone number",
    config=(ConfigField("nexmo_api_key", "API key"), ConfigField("nexmo_api_secret", "API secret")),
    callbacks=("receive", "status"),
)

TYPES = (NX,)
