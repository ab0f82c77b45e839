"""Django's Redis cache, without building a new redis-py client for every call.

`RedisCacheClient.get_client` constructs `redis.Redis(connection_pool=...)` on each operation;
the constructor registers ~150 response callbacks, which cost more than the GET itself. A
client is thread-safe over its pool, so one per pool is kept.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
