"""The contest's core: models, the rules over them, errors, storage, mail and jobs.

Everything else builds on this package; it imports nothing from the features above it
(import-linter checks the layers in `make lint`).
"""
