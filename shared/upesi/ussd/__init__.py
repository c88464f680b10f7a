"""USSD: what courier and mailroom agree on to answer a USSD request in the same HTTP request.

Courier stores the input as an incoming message (its usual writer: spooled if Postgres is down) with the USSD
details in the message's metadata, registers that it is waiting, and blocks on a reply key; mailroom handles the
message like any other (in order, under the contact's lock), runs the flow, commits, and hands the screen over.
Exactly one of the two decides whether the answer reached the provider (`handoff`): when courier gives up first,
mailroom marks the answer failed and ends the flow session. See NOTES.md (USSD) for why this path.
"""
