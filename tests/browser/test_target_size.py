"""Target size (WCAG 2.5.8): "Forgot your password?" is at least 24 × 24 px."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_forgot_password_link_is_at_least_24_px_tall(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    box = page.get_by_role("link", name="Forgot your password?").bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24, box
