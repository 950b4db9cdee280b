"""Executor: realize each slot through its transformation plan, verify it, fill the quotas."""
