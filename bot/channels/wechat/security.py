"""WeChat's request signatures and the encrypted "安全模式" envelope (wechatpy's crypto).

Every request WeChat sends to the server URL carries ``signature`` =
SHA1(sorted(token, timestamp, nonce)); in 安全模式 (``encrypt_type=aes``) the body is an
``<Encrypt>`` envelope signed by ``msg_signature`` = SHA1(sorted(token, timestamp, nonce,
Encrypt)) and AES-256-CBC encrypted with the EncodingAESKey (the app id is inside the
plaintext and checked). Signatures are compared in constant time.
"""
from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping

import xmltodict
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import WeChatSigner

__all__ = ["AES_KEY_LENGTH", "SignatureError", "WeChatSecurity", "sign", "valid_aes_key"]

AES_KEY_LENGTH = 43  # EncodingAESKey: 43 characters of base64 (32 bytes)


class SignatureError(Exception):
    """A request that is not signed with our token (or cannot be decrypted)."""


def sign(*parts: str) -> str:
    """WeChat's signature: SHA1 over the sorted parts, hex."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def valid_aes_key(key: str) -> bool:
    """True for a well-formed EncodingAESKey (43 base64 characters → 32 bytes)."""
    if len(key) != AES_KEY_LENGTH:
        return False
    try:
        return len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


class WeChatSecurity:
    """Checks and opens incoming requests; seals passive replies in 安全模式."""

    def __init__(self, token: str, aes_key: str = "", app_id: str = "") -> None:
        if not token:
            raise ValueError("WECHAT_TOKEN is required")
        if aes_key and not valid_aes_key(aes_key):
            raise ValueError("WECHAT_AES_KEY must be 43 base64 characters")
        if aes_key and not app_id:
            raise ValueError("WECHAT_AES_KEY needs WECHAT_APP_ID (it is checked in every message)")
        self.token = token
        self.app_id = app_id
        self._crypto: WeChatCrypto | None = (WeChatCrypto(token, aes_key, app_id)
                                                if aes_key else None)

    @property
    def encrypted_mode(self) -> bool:
        return self._crypto is not None

    def verify(self, query: Mapping[str, str]) -> None:
        """The plain ``signature`` every request carries; raises :class:`SignatureError`."""
        signature = query.get("signature", "")
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not (signature and timestamp and nonce):
            raise SignatureError("signature, timestamp or nonce missing")
        if not _same(signature, sign(self.token, timestamp, nonce)):
            raise SignatureError("bad signature")

    def open(self, query: Mapping[str, str], body: bytes) -> str:
        """The message XML of a POST: signature checked, decrypted in 安全模式."""
        self.verify(query)
        if query.get("encrypt_type", "raw").lower() != "aes":
            return body.decode("utf-8")
        if self._crypto is None:
            raise SignatureError("encrypted message but WECHAT_AES_KEY is not set")
        try:
            envelope = xmltodict.parse(body)["xml"]
            encrypted = str(envelope["Encrypt"])
        except Exception as error:
            raise SignatureError(f"malformed encrypted envelope: {type(error).__name__}") from error
        expected = sign(self.token, query["timestamp"], query["nonce"], encrypted)
        if not _same(query.get("msg_signature", ""), expected):
            raise SignatureError("bad msg_signature")
        try:
            plain = PrpCrypto(self._crypto.key).decrypt(encrypted, self.app_id)
        except InvalidAppIdException as error:
            raise SignatureError("message for another app id") from error
        except Exception as error:
            raise SignatureError(f"cannot decrypt: {type(error).__name__}") from error
        return plain.decode("utf-8") if isinstance(plain, bytes) else str(plain)

    def seal(self, reply_xml: str, query: Mapping[str, str]) -> str:
        """A passive reply as WeChat expects it: encrypted when the request was."""
        if self._crypto is None or query.get("encrypt_type", "raw").lower() != "aes":
            return reply_xml
        return str(self._crypto.encrypt_message(reply_xml, query.get("nonce", ""),
                                                query.get("timestamp") or None))
