"""dns_outside: the close scope covers every rollout user (DNs compared parsed)."""

import pytest
from ansible.errors import AnsibleFilterError

from fakes import ROLLOUT_DOMAIN as DOMAIN, ROLLOUT_ENG as ENG, ROLLOUT_A as A, ROLLOUT_B as B

from ansible_collections.adremedy.directory.plugins.filter.dns_outside import dns_outside


def test_users_in_two_ous_in_lower_case_are_inside_the_domain():
    users = [A.lower(), B.replace("DC=", "dc=").replace("OU=", "ou=")]
    assert dns_outside(users, DOMAIN) == []
    assert dns_outside(users, "DC=Lab, DC=Example, DC=Test") == []
    # the old regex took '^.*?,(DC=.*)$' of the first user: with 'dc=' it was the user itself
    assert dns_outside(users, users[0]) == [users[1]]


def test_users_of_another_domain_or_ou_are_named():
    other = "CN=Jo,OU=Staff,DC=child,DC=lab,DC=example,DC=test"
    assert dns_outside([A, other], "DC=child," + DOMAIN) == [A]
    assert dns_outside([A, B], ENG) == [B]
    assert dns_outside(ENG, "ou=staff,ou=lab," + DOMAIN.lower()) == []  # one string, one DN
    assert dns_outside([B], "OU=Sales\\2C Old," + DOMAIN) == [B]


@pytest.mark.parametrize("dns, base", [([A], ""), (["CN=x,,DC=y"], DOMAIN), ([A], None)])
def test_dns_outside_refuses_bad_dns(dns, base):
    with pytest.raises(AnsibleFilterError, match="dns_outside"):
        dns_outside(dns, base)
