"""The bound on requests in flight: urgent requests take the next free slot first."""

from __future__ import annotations

import asyncio

from pipelines.fal.slots import Slots, urgent


def test_an_urgent_waiter_is_served_before_earlier_normal_ones_and_the_bound_holds():
    async def go() -> tuple[list[str], int]:
        slots, order, busy, peak = Slots(2), [], [0], [0]
        gate = asyncio.Event()

        async def request(name: str, hurry: bool = False) -> None:
            async def take() -> None:
                async with slots.held():
                    busy[0] += 1
                    peak[0] = max(peak[0], busy[0])
                    order.append(name)
                    await gate.wait()
                    busy[0] -= 1

            if hurry:
                with urgent():
                    await take()
            else:
                await take()

        tasks = [asyncio.create_task(request(f"n{i}")) for i in range(5)]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(request("chain", hurry=True)))
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(*tasks)
        return order, peak[0]

    order, peak = asyncio.run(go())
    assert order[:2] == ["n0", "n1"]  # the first two took the free slots
    assert order[2] == "chain"  # queued last, served next
    assert sorted(order) == sorted(["n0", "n1", "n2", "n3", "n4", "chain"])
    assert peak == 2


def test_a_cancelled_waiter_gives_its_slot_back():
    async def go() -> int:
        slots = Slots(1)
        release = asyncio.Event()

        async def hold() -> None:
            async with slots.held():
                await release.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiter.cancel()
        release.set()
        await holder
        await asyncio.gather(waiter, return_exceptions=True)
        async with slots.held():  # the slot is free again
            return 1

    assert asyncio.run(go()) == 1
