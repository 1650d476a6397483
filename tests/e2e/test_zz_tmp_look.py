import pytest

from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle


@pytest.mark.parametrize(
    "name,path",
    [
        ("combo", "explore?m=gross_margin_pct,revenue&by=region&grain=none&from=2025-01-01&to=2025-12-31"),
        ("many", "explore?m=revenue&by=city&grain=month&from=2025-01-01&to=2025-12-31"),
        ("quarter", "explore?m=revenue,orders&grain=quarter&cmp=prior_year&from=2025-01-01&to=2025-12-31"),
    ],
)
def test_look(page, app, name, path):
    page.set_viewport_size({"width": 1400, "height": 1500})
    login(page, app, "ceo", path)
    settle(page, 800)
    if not page.get_by_text("当前用户").count():
        page.locator("[data-testid='stSidebar']").get_by_text("简体中文", exact=True).click()
        settle(page, 800)
    shot(page, f"tmp-look-{name}")
