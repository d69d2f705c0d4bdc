"""The Python `openai` SDK (AsyncOpenAI) or LiteLLM against the bench server:
N chat completions with CONC in flight. Prints one JSON line: requests per
second and client CPU microseconds per request.

    python3 openai_py.py openai|litellm URL N CONC
"""
import asyncio
import json
import os
import resource
import sys
import time

# LiteLLM fetches its price map from the internet at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

MESSAGES = [{"role": "user", "content": "Say hello."}]


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def make_call(which, url):
    if which == "openai":
        from openai import AsyncOpenAI
        client = AsyncOpenAI(base_url=url, api_key="bench-key", max_retries=0)

        async def call():
            reply = await client.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, max_tokens=16)
            return reply.choices[0].message.content
        return call
    import litellm

    async def call():
        reply = await litellm.acompletion(
            model="openai/gpt-4o-mini", api_base=url, api_key="bench-key",
            messages=MESSAGES, max_tokens=16, num_retries=0)
        return reply.choices[0].message.content
    return call


async def run(call, total, conc):
    state = {"started": 0, "done": 0}

    async def worker():
        while state["started"] < total:
            state["started"] += 1
            if not await call():
                raise RuntimeError("empty completion")
            state["done"] += 1
    await asyncio.gather(*(worker() for _ in range(conc)))
    return state["done"]


async def main():
    which, url, total, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    call = make_call(which, url)
    await run(call, min(100, total), conc)   # warm-up
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    done = await run(call, total, conc)
    seconds = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    print(json.dumps({"client": "python-" + which, "requests": done, "seconds": seconds,
                      "rps": done / seconds, "cpu_us": cpu * 1e6 / done}))


if __name__ == "__main__":
    asyncio.run(main())
