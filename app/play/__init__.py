"""Play over the network: the game protocol, and (as it lands) connections, matchmaking and timers.

`protocol` holds every message a client and the server exchange; it imports the engine's
action parse and nothing with I/O, so the schema a client author reads is the code's own.
"""
