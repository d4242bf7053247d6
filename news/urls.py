"""URL normalisation, so the same article behind different links is stored once."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that track the reader rather than name the page.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_")
_TRACKING_KEYS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "igshid", "ref", "ref_src", "cmpid", "ocid", "smid"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be parsed (an unclosed ``[``, a port that is not a number from
    0 to 65535), or None when it can. ``urlsplit`` raises on these deep in whatever code
    reads the URL first; a caller that asks here can say so in one line instead."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (the port is only checked when read)
    except ValueError as err:
        return f"{url.strip()[:80]!r} is not a valid address ({err})"
    return None


def normalize_url(url: str) -> str | None:
    """A canonical form of an http(s) URL, or None if it is not one.

    Lower-cases scheme and host, drops ``www.``, default ports, fragments, tracking
    parameters and a trailing slash, sorts the query, and treats http and https alike.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING_KEYS and not k.lower().startswith(_TRACKING_PREFIXES)
    )
    return urlunsplit(("https", host, path, urlencode(query), ""))


def site_of(url: str | None) -> str | None:
    """The host a URL points at, without ``www.``, for display as the source."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host
