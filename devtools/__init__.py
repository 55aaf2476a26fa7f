"""Development and demo tools: seeding the demo contest, generating test clips. Not part of the
installed package: the runtime (contest/) never imports them."""
