"""The outcomes dashboard and the statement page over the known month of tests/outcomes
(outcomes_story.py): what the pages show must be what kpis.compute, kpis.daily, forecast.capacity
and billing.statement say, for the same range, filters and month."""

from datetime import date, datetime

import pytest
import yaml
from bs4 import BeautifulSoup

from hub.outcomes import billing, forecast, kpis
from hub.outcomes.contract import load_contract
from hub.web.dashboard import Filters

from outcomes_story import CONTRACT, tell_in

MAY = "start=2026-05-01&end=2026-05-31"


@pytest.fixture
def story(web_hub, web_config, monkeypatch):
    return tell_in(web_hub, web_config, monkeypatch)


@pytest.fixture
def contract(web_config, story):
    return load_contract(web_config)


def may_figures(hub, contract, **filters):
    start, end = Filters(date(2026, 5, 1), date(2026, 5, 31)).bounds(contract.zone)
    return kpis.compute(hub, start, end, contract, **filters)


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def card(page, key):
    found = page.select_one(f"#kpi-{key}")
    assert found is not None, f"no card {key}"
    return found.get("data-value"), found.select_one(".figure").get_text(strip=True)


def test_cards_show_the_figures_kpis_compute_gives(client_as, web_hub, contract):
    response = client_as("analyst").get(f"/dashboard?{MAY}")
    assert response.status_code == 200
    page = soup(response)
    figures = may_figures(web_hub, contract)
    # Worked out by hand in tests/outcomes/test_kpis.py: R1 R2 R5 R6 verified of 7 finished…
    assert card(page, "true-resolution") == (str(round(4 / 7, 4)), "57.1%")
    assert card(page, "first-contact") == (str(round(3 / 7, 4)), "42.9%")
    assert card(page, "escalation") == (str(round(2 / 7, 4)), "28.6%")
    assert card(page, "mttr-median") == ("32.0", "32 min")
    assert card(page, "mttr-p90") == ("108.0", "108 min")
    assert card(page, "sla") == (str(round(5 / 7, 4)), "71.4%")
    assert card(page, "approval-turnaround") == ("30.0", "30 min")
    assert card(page, "runs") == ("8", "8")
    # …and every card carries exactly what kpis.compute says.
    expected = {"runs": figures["runs"]["total"], "true-resolution": figures["true_resolution"]["rate"],
                "first-contact": figures["first_contact_resolution"]["rate"],
                "escalation": figures["escalation"]["rate"], "mttr-median": figures["mttr_minutes"]["median"],
                "mttr-p90": figures["mttr_minutes"]["p90"], "sla": figures["sla"]["compliance"],
                "approval-turnaround": figures["approvals"]["turnaround_minutes"]["median"],
                "policy-denials": figures["policy_denials"]["count"]}
    for key, value in expected.items():
        assert card(page, key)[0] == str(value), key
    # No survey answers: CSAT and NPS say so instead of showing a zero.
    assert card(page, "csat") == ("", "no data") and card(page, "nps") == ("", "no data")
    assert "nodata" in page.select_one("#kpi-csat")["class"]


def test_breakdowns_and_charts(client_as, story):
    page = soup(client_as("analyst").get(f"/dashboard?{MAY}"))
    rows = {tr.find_all("td")[0].get_text(): [td.get_text() for td in tr.find_all("td")[1:]]
            for tr in page.select("#containment-connector tr") if tr.find_all("td")}
    assert rows == {"servicenow": ["2", "1", "50.0%"], "zendesk": ["5", "3", "60.0%"]}
    reasons = [tr.find_all("td")[0].get_text() for tr in page.select("#escalation-reasons tr") if tr.find_all("td")]
    assert reasons == ["low confidence", "policy refusal"]
    # Volume: one bar per day of May (zero on quiet days), eight days with runs.
    bars = page.select("#chart-volume rect.bar")
    assert len(bars) == 31 and sum(float(bar["data-value"]) > 0 for bar in bars) == 8
    assert bars[3].find("title").get_text() == "Runs, 2026-05-04: 1"
    # True resolution: a point for each day with a known outcome; 21 May (shadow only) is a gap.
    points = {p["data-date"]: p["data-value"] for p in page.select("#chart-true-resolution circle.point")}
    assert points == {"2026-05-04": "1.0", "2026-05-05": "1.0", "2026-05-06": "0.0", "2026-05-10": "0.0",
                      "2026-05-12": "1.0", "2026-05-20": "0.0", "2026-05-31": "1.0"}
    svg = page.select_one("#chart-mttr")
    assert svg["role"] == "img" and svg.find("title").get_text() == "MTTR (median)"
    # No survey answers at all: the CSAT chart is "no data", not a flat line at zero.
    assert page.select_one("#chart-csat") is None
    assert "No data for this chart" in page.select_one("#chart-csat-box").get_text()


def test_forecast_follows_the_range(client_as, web_hub, contract):
    body = client_as("analyst").get(f"/api/dashboard?{MAY}").get_json()
    start, end = Filters(date(2026, 5, 1), date(2026, 5, 31)).bounds(contract.zone)
    daily = kpis.daily(web_hub, start, end, contract, contract.zone)
    expected = forecast.capacity(daily, may_figures(web_hub, contract), date(2026, 5, 1), date(2026, 5, 31))
    assert body["forecast"] == expected
    # History from the first ticket (4 May) to 31 May: four weeks, so the weekly model.
    assert (body["forecast"]["history_days"], body["forecast"]["model"]) == (28, "holt_winters")
    assert body["forecast"]["forecast"][0]["date"] == "2026-06-01" and len(body["forecast"]["forecast"]) == 14
    assert body["forecast"]["share"] == {"absorbed": 4, "decided": 8, "share": 0.5}
    page = soup(client_as("analyst").get(f"/dashboard?{MAY}"))
    assert "Holt-Winters" in page.select_one("#forecast-summary").get_text()
    assert len(page.select("#chart-forecast g.series-forecast rect.bar")) == 14


def test_api_matches_kpis_compute(client_as, web_hub, contract):
    body = client_as("analyst").get(f"/api/dashboard?{MAY}").get_json()
    figures = may_figures(web_hub, contract)
    for figures_ in (body["kpis"], figures):
        figures_["period"].pop("as_of")
    assert body["kpis"] == figures
    assert body["filters"] == {"start": "2026-05-01", "end": "2026-05-31", "end_included": True,
                               "timezone": "Europe/London", "connector": None, "intent": None, "channel": None}
    assert [row["date"] for row in body["daily"]][:2] == ["2026-05-04", "2026-05-05"]


@pytest.mark.parametrize("query, runs, rate", [
    ("connector=servicenow", 2, 0.5),
    ("intent=refund_request", 1, 0.0),
    ("channel=email", 1, 1.0),
])
def test_filters_narrow(client_as, web_hub, contract, query, runs, rate):
    client = client_as("analyst")
    body = client.get(f"/api/dashboard?{MAY}&{query}").get_json()
    name, value = query.split("=")
    assert body["kpis"]["runs"]["total"] == runs and body["kpis"]["true_resolution"]["rate"] == rate
    assert body["kpis"] == dict(may_figures(web_hub, contract, **{name: value}), period=body["kpis"]["period"])
    page = soup(client.get(f"/dashboard?{MAY}&{query}"))
    assert card(page, "runs")[0] == str(runs)
    assert page.select_one(f"select[name={name}] option[selected]")["value"] == value


def test_filter_menus(client_as, story):
    page = soup(client_as("analyst").get("/dashboard"))
    options = {name: [o["value"] for o in page.select(f"select[name={name}] option") if o["value"]]
               for name in ("connector", "intent", "channel")}
    assert options["connector"] == ["salesforce", "servicenow", "shopify", "zendesk"]
    # The flows' intents, and those recorded runs carry.
    assert {"refund_request", "order_status", "cancel_order", "it_software_access"} <= set(options["intent"])
    assert options["channel"] == ["email", "web"]


@pytest.mark.parametrize("query, message", [
    ("start=yesterday", "start must be a date written YYYY-MM-DD"),
    ("start=2026-02-30", "start must be a date written YYYY-MM-DD"),
    ("end=05/31/2026", "end must be a date written YYYY-MM-DD"),
    ("start=2026-05-31&end=2026-05-01", "is before the start day"),
    ("start=0001-01-01&end=2026-05-01", "start must be between 1970-01-01 and 9998-12-31"),
    ("end=9999-12-31", "end must be between"),
    ("start=2024-01-01&end=2026-05-01", "choose at most 366"),
    ("connector=freshdesk", "No connector named 'freshdesk' is installed"),
    ("intent=world_peace", "No flow handles an intent named 'world_peace'"),
    ("channel=<script>", "A channel is a short name"),
])
def test_bad_filters_are_a_clear_400(client_as, story, query, message):
    client = client_as("analyst")
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 400
    assert message in soup(response).select_one("#filter-error").get_text()
    assert soup(response).select_one("#filters") is not None  # the form stays, to fix the input
    response = client.get(f"/api/dashboard?{query}")
    assert response.status_code == 400 and message in response.get_json()["error"]


def test_an_empty_range_says_no_data(client_as, story):
    client = client_as("analyst")
    page = soup(client.get("/dashboard?start=2026-01-01&end=2026-01-31"))
    assert "No data" in page.select_one("#no-data").get_text()
    assert page.select(".card") == [] and page.select("svg.chart") == []
    body = client.get("/api/dashboard?start=2026-01-01&end=2026-01-31").get_json()
    assert body["empty"] is True and body["forecast"]["enough_history"] is False
    assert body["kpis"]["true_resolution"]["rate"] is None


def test_default_range_is_the_last_30_days(client_as, story, contract):
    body = client_as("analyst").get("/api/dashboard").get_json()
    today = datetime.now(contract.zone).date()
    assert body["filters"]["end"] == today.isoformat()
    assert (today - date.fromisoformat(body["filters"]["start"])).days == 29


# -- the statement ---------------------------------------------------------------------------


def test_statement_page_csv_and_json_agree_with_billing(client_as, web_hub, contract, story):
    client = client_as("analyst")
    expected = billing.statement(web_hub, contract, "2026-05")
    page = soup(client.get("/reports/statement?month=2026-05"))
    billed = {tr["id"].removeprefix("line-"): tr for tr in page.select("#billed-lines tr[id]")}
    assert sorted(billed) == sorted(line["run_id"] for line in expected["lines"] if line["billed"]) == ["R1", "R2", "R5"]
    for line in expected["lines"]:
        table = "#billed-lines" if line["billed"] else "#reopened-lines"
        row = page.select_one(f"{table} #line-{line['run_id']}")
        assert row.select_one("a")["href"] == f"/runs/{line['run_id']}"  # the audit evidence, one click away
        assert row.select_one(".amount").get_text() == line["amount"]
        for seq in line["audit_seqs"]["resolved_step"]:  # each entry, one click away on the run's timeline
            link = row.select_one(f'a[href="/runs/{line["run_id"]}#entry-{seq}"]')
            assert link is not None and link.get_text() == f"#{seq}", str(row)
            timeline = soup(client.get(f"/runs/{line['run_id']}"))
            assert timeline.select_one(f"#entry-{seq}").select_one("td").get_text() == str(seq)
    assert [tr["id"] for tr in page.select("#reopened-lines tr[id]")] == ["line-R3"]
    assert page.select_one("#total-subtotal .amount").get_text() == expected["subtotal"] == "6.00"
    assert page.select_one("#total-cap .amount").get_text() == f"-{expected['cap_reduction']}" == "-1.00"
    assert [tr.select_one(".amount").get_text() for tr in page.select("tr.credit")] == ["-0.50", "-0.25"]
    assert "true resolution rate was 50.0%, below 70%" in page.select_one("#totals").get_text()
    assert page.select_one("#total-total .amount").get_text() == expected["total"] == "4.25"

    csv = client.get("/reports/statement.csv?month=2026-05")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert 'filename="statement-2026-05.csv"' in csv.headers["Content-Disposition"]
    assert csv.get_data(as_text=True) == billing.to_csv(expected)

    body = client.get("/api/reports/statement?month=2026-05").get_json()
    assert dict(body, as_of=None) == dict(expected, as_of=None)


def test_statement_months(client_as, story, contract):
    client = client_as("analyst")
    page = soup(client.get("/reports/statement?month=2026-01"))
    assert "Empty statement" in page.select_one("#empty-statement").get_text()
    assert page.select_one("#total-total .amount").get_text() == "0.00"
    # No month: this month in the contract's zone.
    this_month = datetime.now(contract.zone).strftime("%Y-%m")
    assert client.get("/api/reports/statement").get_json()["month"] == this_month
    for bad in ("2026-13", "May", "2026-5", "2026-05-01", "0000-01", "9999-12"):
        response = client.get(f"/reports/statement?month={bad}")
        assert response.status_code == 400, bad
        assert "must be a month written YYYY-MM" in soup(response).select_one("#statement-error").get_text()
        assert client.get(f"/api/reports/statement?month={bad}").status_code == 400
        assert client.get(f"/reports/statement.csv?month={bad}").status_code == 400


def test_a_broken_contract_is_explained_not_a_crash(client_as, story, web_config):
    broken = dict(CONTRACT, monthly_cap="1.00")  # below the price of one resolution
    (web_config / "contract.yaml").write_text(yaml.safe_dump(broken))
    client = client_as("analyst")
    for path in ("/reports/statement?month=2026-05", "/reports/statement.csv?month=2026-05", f"/dashboard?{MAY}"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "monthly_cap 1.00 is below price_per_resolution 2.00" in response.get_data(as_text=True), path
    for path in ("/api/reports/statement?month=2026-05", f"/api/dashboard?{MAY}"):
        response = client.get(path)
        assert response.status_code == 503 and "monthly_cap" in response.get_json()["error"], path


def test_links_follow_permissions(client_as, story):
    analyst = soup(client_as("analyst").get("/"))
    assert analyst.select_one("nav a[href='/dashboard']") and analyst.select_one("nav a[href='/reports/statement']")
    approver = soup(client_as("approver").get("/"))
    assert approver.select_one("nav a[href='/dashboard']") and not approver.select_one("a[href='/reports/statement']")
    # The approver sees the dashboard, without the link to a statement it may not open.
    page = soup(client_as("approver").get(f"/dashboard?{MAY}"))
    assert page.select_one("#kpi-runs") and not page.select_one("a[href='/reports/statement']")


def test_charts_draw_gaps_not_zeros_and_readable_axes():
    from hub.web import charts

    first, last = date(2026, 5, 1), date(2026, 5, 5)
    assert charts.time_chart("c", "Nothing", [charts.Series("x", {first: None})], str, first, last) is None
    values = {date(2026, 5, 1): 0.5, date(2026, 5, 2): 0.75, date(2026, 5, 4): 1.0, date(2026, 5, 5): 0.25}
    page = BeautifulSoup(str(charts.time_chart("c", "Rate", [charts.Series("rate", values)], str, first, last,
                                               y_top=1)), "html.parser")
    # 3 May has nothing to measure: two line segments, four points, no point at 3 May.
    assert len(page.select("polyline")) == 2 and len(page.select("circle")) == 4
    assert page.select_one("circle[data-date='2026-05-03']") is None
    assert page.select_one("circle[data-date='2026-05-04'] title").get_text() == "rate, 2026-05-04: 1.0"
    # A count axis has whole-number ticks only.
    assert charts.y_scale(1, whole=True) == (1, 1) and charts.y_scale(7, whole=True) == (8, 2)
    assert charts.y_scale(108, whole=False) == (150, 50) and charts.y_scale(9, whole=True) == (10, 5)


def test_figures_whose_reopen_windows_are_open_are_labelled_provisional(client_as, contract, monkeypatch):
    """Seen on 31 May, May's last resolutions are still inside the reopen window: the true
    resolution and first-contact cards say provisional and why; seen today, nothing is."""
    from datetime import datetime, timezone

    from hub.web import dashboard

    may_31 = datetime(2026, 5, 31, 23, 0, tzinfo=timezone.utc)
    real_gather = dashboard.gather
    monkeypatch.setattr(dashboard, "gather", lambda hub, contract, filters: real_gather(hub, contract, filters, now=may_31))
    page = soup(client_as("analyst").get("/dashboard?start=2026-05-01&end=2026-05-31"))
    pending = page.select_one("#kpi-true-resolution")
    assert "provisional" in pending["class"] and "provisional" in pending.select_one("h3").get_text()
    assert "still inside the" in pending.select_one(".provisional-note").get_text()
    assert "provisional" in page.select_one("#kpi-first-contact")["class"]
    assert "provisional" not in page.select_one("#kpi-mttr-median")["class"]
    monkeypatch.setattr(dashboard, "gather", real_gather)
    settled = soup(client_as("analyst").get("/dashboard?start=2026-05-01&end=2026-05-31"))
    assert settled.select(".card.provisional") == []
