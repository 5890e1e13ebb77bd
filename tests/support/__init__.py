"""Helpers shared by the unit and integration tiers: events, Lambda contexts, fakes, moto-backed resources."""
