"""Accounts and access, as pure rules: roles and who may read or write a runner's record, credentials (password
hashing with argon2id, tokens stored only as digests), and sign-in throttling. No I/O: the services layer
(:mod:`calfcare.services.accounts`, :mod:`calfcare.services.sharing`) stores and loads what these decide on."""
