"""Runtime wrappers: the calls that run a sync function in a thread, or a coroutine under a wrapper."""

from __future__ import annotations

SYNC_TO_ASYNC = "asgiref.sync.sync_to_async"
# Channels' variant: sync_to_async that also closes old database connections around the call.
DATABASE_SYNC_TO_ASYNC = "channels.db.database_sync_to_async"
# ``sync_to_async`` and its variants, by the name they are called with.
SYNC_TO_ASYNC_NAMES = frozenset({"sync_to_async", "database_sync_to_async"})
# sync_to_async options that only choose the thread the function runs in.
SYNC_TO_ASYNC_THREAD_OPTIONS = frozenset({"thread_sensitive", "executor"})
TO_THREAD = "asyncio.to_thread"
# ``loop.run_in_executor(executor, fn, *args)``: a method of any event loop.
RUN_IN_EXECUTOR = "run_in_executor"
PARTIAL = "functools.partial"
# The modules those wrappers come from.
WRAPPER_MODULES = ("asyncio", "functools", "asgiref.sync", "channels.db")
# asyncio awaitables that wrap the coroutine passed first: the wrapped call is what runs.
COROUTINE_WRAPPERS = frozenset({"wait_for", "shield", "ensure_future", "create_task"})
# asyncio's ways to run awaitables concurrently: awaited (``gather``, ``wait``) or entered with
# ``async with`` (``TaskGroup``); what gather-awaits writes, too.
CONCURRENT = frozenset({"asyncio.gather", "asyncio.wait", "asyncio.TaskGroup"})
# Libraries whose use in a function makes it async-aware code.
ASYNC_LIBRARIES = ("asyncio", "anyio", "trio", "asgiref")
