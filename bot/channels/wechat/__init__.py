"""The WeChat Official Account (微信公众号) channel.

Citizens talk to the assistant through the 公众号's server URL (``/wechat`` on the
gateway), through the same router as every other channel.

Modules: ``security`` (signatures, 安全模式), ``inbound`` (parsing, passive replies),
``api`` (access token, 客服消息, menu), ``formatting`` (splitting, numbered choices),
``texts`` / ``menu`` (data/channels/wechat.yml), ``models`` / ``store`` (replay keys and
per-user state), ``channel`` (what to answer), ``webhook`` (the aiohttp endpoint),
``gateway`` (``setup_wechat``), ``cli`` (``python -m bot wechat menu``).
"""

CHANNEL = "wechat"

__all__ = ["CHANNEL"]
