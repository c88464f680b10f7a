"""Conformance vector cases courier does not pass yet (ids as in tests/conformance/test_courier_vectors.py),
each with the reason found when it was measured."""

KNOWN_FAILURES: dict[str, str] = {
    # the vector expects a /c/t/ StatusCallback for an SW channel; every other SW case uses /c/sw/, so
    # this looks like the extractor picked up a different channel for these two cases
    "twilio_twiml:send:031": "SW whatsapp callback path /c/t/ in vector",
    "twilio_twiml:send:032": "SW whatsapp callback path /c/t/ in vector",
}
