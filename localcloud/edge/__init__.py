"""The AWS endpoint at http://127.0.0.1:4566: moto's server in-process, IAM first, our parts in front of what moto
cannot do (server.py), and the small HTTP helpers every part answers with."""
