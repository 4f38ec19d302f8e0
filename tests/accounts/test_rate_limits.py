"""Rate limits count the visitor behind the proxy, and cannot be turned against an account's owner."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.client_ip import client_address, limit_key
from tests.factories import UserFactory

PROXY = "10.0.0.2"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def behind_proxy(settings):
    """One TLS proxy in front: it connects from 10.0.0.2 and appends the visitor to X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1


def _visitor(address, forged=None):
    """A browser at ``address`` reaching the site through the proxy (optionally forging the header)."""
    chain = f"{forged}, {address}" if forged else address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _signed_in(client, user):
    return client.session.get("_auth_user_id") == str(user.pk)


# ------------------------------------------------------------------------ the client's address


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_address(request) == "198.51.100.4"


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote(behind_proxy):
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    assert client_address(request) == "203.0.113.9"


def test_a_trusted_client_ip_header_is_read_when_configured(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="203.0.113.9")

    assert client_address(request) == "203.0.113.9"


def test_garbage_in_the_forwarded_header_falls_back_to_the_connection(behind_proxy):
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address")

    assert client_address(request) == PROXY


def test_an_ipv6_client_counts_as_its_64_network(behind_proxy):
    one = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8:1:2::1")
    other_host_same_64 = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8:1:2:ffff::9")
    elsewhere = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8:1:3::1")

    assert limit_key(one) == limit_key(other_host_same_64) == "2001:db8:1:2::"
    assert limit_key(elsewhere) != limit_key(one)
    assert limit_key(RequestFactory().get("/", REMOTE_ADDR="198.51.100.4")) == "198.51.100.4"


# ------------------------------------------------------------------------ logins


@pytest.mark.django_db
def test_the_owner_logs_in_while_an_attacker_hammers_wrong_passwords(behind_proxy):
    owner = UserFactory(email="organizer@riga.example")
    attacker = _visitor("203.0.113.66")
    for _ in range(12):
        attacker.post(reverse("account_login"), {"login": owner.email, "password": "guess"})
    assert "too many" in _login(attacker, owner.email, "guess").content.decode().lower()

    home = _visitor("198.51.100.7")
    response = _login(home, owner.email, PASSWORD)

    assert response.status_code == 302
    assert _signed_in(home, owner)


@pytest.mark.django_db
def test_one_abusive_address_does_not_block_logins_from_other_addresses(behind_proxy):
    victims = [UserFactory() for _ in range(3)]
    attacker = _visitor("203.0.113.66")
    for n in range(15):
        _login(attacker, f"nobody{n}@example.org", "guess")

    for n, user in enumerate(victims):
        browser = _visitor(f"198.51.100.{n + 10}", forged="203.0.113.66")
        assert _login(browser, user.email, PASSWORD).status_code == 302
        assert _signed_in(browser, user)


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_escape_the_per_address_limit(behind_proxy):
    attacker_address = "203.0.113.66"
    for n in range(12):
        _login(_visitor(attacker_address, forged=f"192.0.2.{n}"), f"nobody{n}@example.org", "guess")

    victim = UserFactory()
    response = _login(_visitor(attacker_address, forged="192.0.2.200"), victim.email, PASSWORD)

    assert not _signed_in(_visitor(attacker_address), victim)
    assert "too many" in response.content.decode().lower()


@pytest.mark.django_db
def test_many_addresses_against_one_account_meet_the_account_wide_limit_but_the_owners_known_address_passes(
    behind_proxy, settings
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "6/h/key"}
    owner = UserFactory(email="organizer@riga.example")
    office = _visitor("198.51.100.7")
    assert _login(office, owner.email, PASSWORD).status_code == 302  # the office is now a known address
    for n in range(8):
        _login(_visitor(f"203.0.113.{n + 1}"), owner.email, "guess")

    stranger = _visitor("203.0.113.200")
    refused = _login(stranger, owner.email, PASSWORD)
    back_at_the_office = _visitor("198.51.100.7")
    response = _login(back_at_the_office, owner.email, PASSWORD)

    assert not _signed_in(stranger, owner)
    assert "too many" in refused.content.decode().lower()
    assert response.status_code == 302
    assert _signed_in(back_at_the_office, owner)


@pytest.mark.django_db
def test_an_account_with_two_factor_is_not_locked_by_the_account_wide_limit(behind_proxy, settings):
    from allauth.mfa.models import Authenticator

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "3/h/key"}
    owner = UserFactory(email="staff@riga.example", is_staff=True)
    Authenticator.objects.create(user=owner, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    for n in range(6):
        _login(_visitor(f"203.0.113.{n + 1}"), owner.email, "guess")

    response = _login(_visitor("198.51.100.99"), owner.email, PASSWORD)

    # On to the second factor, not "too many attempts".
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))


@pytest.mark.django_db
def test_successful_logins_do_not_use_up_the_account_wide_limit(behind_proxy, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "2/h/key"}
    owner = UserFactory()

    for n in range(4):
        browser = _visitor(f"198.51.100.{n + 1}")
        assert _login(browser, owner.email, PASSWORD).status_code == 302


# ------------------------------------------------------------------------ certificate verification


@pytest.mark.django_db
def test_verification_limit_counts_each_visitor_behind_the_proxy(behind_proxy, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 3
    url = reverse("certificates:verify", args=["no-such-code-000"])
    abuser = _visitor("203.0.113.66")
    for _ in range(3):
        assert abuser.get(url).status_code == 404  # an unknown code, answered
    assert abuser.get(url).status_code == 429
    assert _visitor("203.0.113.66", forged="192.0.2.1").get(url).status_code == 429

    assert _visitor("198.51.100.7").get(url).status_code == 404
