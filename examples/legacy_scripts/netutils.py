#!/usr/bin/env python3
"""Small network helpers shared by the ops scripts (pure computation, no network)."""
import ipaddress

DEFAULT_PREFIX = 24


def subnet_of(address: str, prefix: int = DEFAULT_PREFIX) -> str:
    """Return the network an address belongs to.

    :param address: An IPv4 or IPv6 address.
    :param prefix: The prefix length of the network.
    """
    return str(ipaddress.ip_interface(f"{address}/{prefix}").network)


def split_network(network, new_prefix=26, strict=True):
    """Split a network into smaller subnets.

    Parameters
    ----------
    network : str
        The network to split, e.g. 10.0.0.0/24.
    new_prefix : int
        Prefix length of the subnets.
    strict : bool
        Refuse a network with host bits set.
    """
    net = ipaddress.ip_network(network, strict=strict)
    return [str(sub) for sub in net.subnets(new_prefix=new_prefix)]


def is_private(address):
    """Tell whether an address is in a private range."""
    return {"address": address, "private": ipaddress.ip_address(address).is_private}


def _parse(text):
    return ipaddress.ip_address(text)
