"""The aiohttp gateway: web chat, channel webhooks, health and metrics."""
