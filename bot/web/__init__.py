"""aiohttp helpers shared by every HTTP surface (gateway, console, admin pages, channel webhooks).

Client addresses behind a proxy (``addresses``), JSON errors and body parsing
(``http``), and the application keys those surfaces share (``keys``).

Nothing here imports a domain package, so the console and the channels can use it
without importing the gateway that mounts them.
"""
