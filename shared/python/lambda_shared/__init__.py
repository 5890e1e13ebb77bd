"""Code every Lambda of the monorepo shares, shipped as ONE Lambda layer (see shared/serverless.yml)."""
