"""The Serverless Framework side: the monorepo's services, packaged with the real osls as `make deploy` packages
them, and the outputs each records in env.json for the next to read.

- services.py: the services found from their serverless.yml files, their dependency waves, osls packaging (cached
  by inputs), env.json's stages and outputs.
- layer.py: the shared Lambda layer's build (what `make layer` runs).
"""
