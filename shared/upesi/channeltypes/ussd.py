"""USSD channels: Africa's Talking USSD (ATU) and External USSD (EXU); their handler is courier/handlers/ussd.py
and courier/ussd.py answers them in the same HTTP request ("CON <text>" while the flow waits, "END <text>" when
it ends). The address is the service code the flows are triggered by (a USSD trigger's keyword, e.g. *384*12#).
RapidPro named its USSD types after the base type plus U (Junebug USSD was JNU, Vumi USSD VMU); we do the same.

    POST /c/at/{uuid}/ussd      sessionId=ATUid_1&serviceCode=*384*12%23&phoneNumber=%2B254711000111&networkCode=63902&text=1*2
    POST /c/at/{uuid}/ussd_end  sessionId=ATUid_1&status=Incomplete&...   (Africa's Talking's end-of-session notification)
    POST /c/exu/{uuid}/ussd     the configured field names, e.g. session_id=..&msisdn=..&ussd_string=..&service_code=..
"""

from upesi.channeltypes import ChannelType, ConfigField

USSD_ROLE = "U"
# how long courier waits for the flow's answer before it answers END itself (the provider's own limit is longer)
_ANSWER_SECONDS = ConfigField("answer_seconds", "Seconds to wait for the flow's answer", "4")

ATU = ChannelType(
    code="ATU",
    name="Africa's Talking USSD",
    address_label="USSD service code (e.g. *384*12#)",
    config=(_ANSWER_SECONDS,),
    callbacks=("ussd", "ussd_end"),
    url_slug="at",
    role=USSD_ROLE,
)
EXU = ChannelType(
    code="EXU",
    name="External USSD",
    address_label="USSD service code (e.g. *123#)",
    config=(
        ConfigField("session_id_field", "Field holding the session id", "sessionId"),
        ConfigField("from_field", "Field holding the phone number", "phoneNumber"),
        ConfigField("text_field", "Field holding the input", "text"),
        ConfigField("service_code_field", "Field holding the service code", "serviceCode"),
        ConfigField("text_mode", "The input field holds: joined (all inputs joined by *) or last", "joined"),
        _ANSWER_SECONDS,
    ),
    callbacks=("ussd",),
    role=USSD_ROLE,
)

TYPES = (ATU, EXU)
USSD_CODES = frozenset(t.code for t in TYPES)
