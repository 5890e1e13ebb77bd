"""`make deploy-rehearsal`: the real `make deploy` (scripts/deploy.py, osls) against a pinned ministack, then the
workflows driven there, a redeploy that must change nothing, and a removal that must leave no stack."""
