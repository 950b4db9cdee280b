"""Credentials kept out of everything stored or printed: URLs lose their userinfo and secret query keys, and error
text loses the secret values this process was given."""

import re
import threading
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MASK = "***"
SECRET_KEY = re.compile(r"key|token|secret|pass|auth|sig|cred", re.I)
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s@?#]*@", re.I)
_SECRET_PARAM = re.compile(r"([?&][^=&\s]*(?:key|token|secret|pass|auth|sig|cred)[^=&\s]*=)[^&#\s'\"]+", re.I)

_secrets: set[str] = set()
_lock = threading.Lock()


def public_url(url: str | None) -> str | None:
    """The URL without userinfo, secret query keys or fragment; IPv6 brackets and the port are kept."""
    if not url:
        return url
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not SECRET_KEY.search(k)])
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], query=query, fragment=""))


def url_credential(url: str | None) -> str | None:
    """The credential a URL carries: its first secret query value, else the userinfo's password (or lone user)."""
    if not url:
        return None
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if SECRET_KEY.search(key) and value:
            return value
    return parts.password or parts.username or None


def remember(secret: str | None) -> None:
    """Have scrub() mask this value (and its URL-quoted form) from now on."""
    if secret:
        with _lock:
            _secrets.update({secret, quote(secret, safe="")})


def scrub(text: str | None) -> str | None:
    """The text with URL userinfo, secret query values and every remembered secret masked."""
    if not text:
        return text
    text = _SECRET_PARAM.sub(rf"\g<1>{MASK}", _USERINFO.sub(r"\1", text))
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text
