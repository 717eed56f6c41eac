"""The production channel layer (Redis) keeps an idle dashboard socket open: its blocking read for
messages (5 s) must not run into redis-py's socket timeout. Against the real Redis; skipped when
none answers (CI starts one)."""

from __future__ import annotations

import asyncio

import pytest
import redis
from channels_redis.core import RedisChannelLayer

from onestop.config.settings import channel_layers

REDIS = "redis://127.0.0.1:6379/14"


def test_without_redis_the_layer_is_in_process():
    assert channel_layers("")["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"


def test_an_idle_channel_outlives_the_blocking_read():
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    config = channel_layers(REDIS)["default"]
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    layer = RedisChannelLayer(**config["CONFIG"])

    async def wait_idle() -> None:
        channel = await layer.new_channel()
        try:
            # longer than one blocking read: nothing arrives, and nothing breaks
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(
                    layer.receive(channel), timeout=RedisChannelLayer.brpop_timeout + 1.5
                )
            await layer.send(channel, {"type": "referral.alert"})
            assert await asyncio.wait_for(layer.receive(channel), timeout=5) == {
                "type": "referral.alert"
            }
        finally:
            await layer.flush()

    asyncio.run(wait_idle())
