from __future__ import annotations

from tenacity import RetryCallState

from pipelines.fal import FalRateLimitError, FalServerError, RetryPolicy
from pipelines.fal.retry import retrying


def wait_after(exc: Exception, policy: RetryPolicy) -> float:
    controller = retrying(policy, before_sleep=None)
    state = RetryCallState(controller, fn=None, args=(), kwargs={})
    state.set_exception((type(exc), exc, None))
    return controller.wait(state)


def test_retry_after_is_honoured_up_to_the_cap():
    policy = RetryPolicy(max_retry_after=5)
    limited = FalRateLimitError("429", retry_after=2, status_code=429)
    assert wait_after(limited, policy) == 2
    assert wait_after(FalRateLimitError("429", retry_after=600, status_code=429), policy) == 5


def test_without_retry_after_the_wait_is_jittered_and_bounded():
    policy = RetryPolicy(backoff_base=0.5, max_backoff=3)
    waits = {wait_after(FalServerError("500", status_code=500), policy) for _ in range(50)}
    assert len(waits) > 1 and all(0 <= w <= 3 for w in waits)
