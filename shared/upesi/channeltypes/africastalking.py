"""Africa's Talking (AT); its handler is courier/handlers/africastalking.py."""

from upesi.channeltypes import ChannelType, ConfigField

AT = ChannelType(
    code="AT",
    name="Africa's Talking",
    address_label="Short code",
    config=(ConfigField("username", "Username"), ConfigField("api_key", "API key")),
    callbacks=("receive", "status"),
)

TYPES = (AT,)
