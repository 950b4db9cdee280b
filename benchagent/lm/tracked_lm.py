"""The dspy.LM every model runs behind (call ids in its history, its own retries), and DSPy's response cache keyed by
endpoint too, installed on import."""

import time

import dspy
from dspy.clients import DISK_CACHE_LIMIT, Cache
from dspy.utils.caching import default_cache_dir
from dspy.utils.exceptions import LMError, is_retryable_lm_error

from benchagent.program.provenance import HistoryTagging, mark_cache_hit


class EndpointCache(Cache):
    """DSPy's response cache with the endpoint (api_base) in its key, which DSPy leaves out, so one server's replies
    are never served as another's; every hit is marked for the provenance record."""

    def cache_key(self, request, ignored_args_for_cache_key=None):
        return super().cache_key(request, [k for k in ignored_args_for_cache_key or () if k != "api_base"])

    def get(self, request, ignored_args_for_cache_key=None):
        found = super().get(request, ignored_args_for_cache_key)
        if found is not None:
            mark_cache_hit()
        return found


with dspy._cache_lock:
    dspy.cache = EndpointCache(enable_disk_cache=True, enable_memory_cache=True, disk_cache_dir=default_cache_dir(),
                               disk_size_limit_bytes=DISK_CACHE_LIMIT)


class TrackedLM(HistoryTagging, dspy.LM):
    """A dspy.LM whose history entries carry the callback call_id of the LM call that made them, so a callback's
    on_lm_end finds its own call's usage in instance.history even under concurrency. It retries transient faults
    (refused, reset, timeout, 429, 5xx) itself, so each attempt is an LM call of its own in the provenance: waits
    double from `backoff` seconds, and no wait, a server's Retry-After included, exceeds `backoff_cap`."""

    def __init__(self, *args, retries: int = 0, backoff: float = 1.0, backoff_cap: float = 30.0, **kwargs):
        super().__init__(*args, num_retries=0, **kwargs)
        self.retries, self.backoff, self.backoff_cap = retries, backoff, backoff_cap

    def __call__(self, *args, **kwargs):
        for attempt in range(self.retries + 1):
            try:
                return super().__call__(*args, **kwargs)
            except LMError as exc:
                if attempt == self.retries or not is_retryable_lm_error(exc):
                    raise
                hint = exc.retry_after
                usable = isinstance(hint, (int, float)) and 0 <= hint < float("inf")
                wait = hint if usable else self.backoff * 2 ** attempt
                time.sleep(min(wait, self.backoff_cap))
