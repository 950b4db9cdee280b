"""Planner agents: scope and design, grounding over source cards, allocation of quotas."""
