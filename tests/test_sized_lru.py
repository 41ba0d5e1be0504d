"""The bounded cache the accumulator and the stored documents keep per generation."""
from search_service.sized_lru import SizedLRU


def test_the_cache_drops_the_least_recently_used_past_its_budget():
    lru = SizedLRU(10)
    lru.put("a", 1, 4)
    lru.put("b", 2, 4)
    assert lru.get("a") == 1  # now b is the least recently used
    lru.put("c", 3, 4)
    assert (lru.get("a"), lru.get("b"), lru.get("c"), lru.used) == (1, None, 3, 8)
    lru.put("huge", 4, 50)  # alone over the budget: kept, the others dropped
    assert (lru.get("a"), lru.get("huge"), lru.used) == (None, 4, 50)
    assert len(lru) == 1
