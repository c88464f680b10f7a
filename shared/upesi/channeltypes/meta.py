"""Meta's platforms: WhatsApp Cloud and Facebook Messenger; their handler is courier/handlers/meta.py.
Meta calls one webhook per app, not per channel: the channel is found from the payload."""

from upesi.channeltypes import ChannelType, ConfigField

WAC = ChannelType(
    code="WAC",
    name="WhatsApp",
    address_label="Phone number ID",
    config=(ConfigField("auth_token", "Access token"),),
    schemes=("whatsapp",),
    callbacks=(),
    webhook="wac",
)
FBA = ChannelType(
    code="FBA",
    name="Facebook Messenger",
    address_label="Page ID",
    config=(ConfigField("auth_token", "Page access token"),),
    schemes=("facebook",),
    callbacks=(),
    webhook="fba",
)

TYPES = (WAC, FBA)
