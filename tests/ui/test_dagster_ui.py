"""The Dagster UI as a user meets it: the webserver serves every asset and check of the
definitions, and a real browser shows the marts, their lineage and their checks."""

from __future__ import annotations

import json
import urllib.request

import pytest
from tests.ui.ui_helpers import screenshot

from pipelines.definitions import defs

pytestmark = pytest.mark.slow  # the Dagster webserver and a headless browser

ASSETS_AND_CHECKS = """
{
  assetNodes {
    assetKey { path }
    assetChecksOrError {
      __typename
      ... on AssetChecks { checks { name } }
      ... on Error { message }
    }
  }
  shouldShowNux
}
"""


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.load(response)
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_webserver_serves_every_asset_and_check_of_the_definitions(dagster_ui):
    data = graphql(dagster_ui, ASSETS_AND_CHECKS)
    graph = defs.resolve_asset_graph()

    served_assets = {tuple(node["assetKey"]["path"]) for node in data["assetNodes"]}
    assert served_assets == {tuple(key.path) for key in graph.get_all_asset_keys()}

    not_listed = [node for node in data["assetNodes"]
                  if node["assetChecksOrError"]["__typename"] != "AssetChecks"]
    assert not_listed == []
    served_checks = {(tuple(node["assetKey"]["path"]), check["name"])
                     for node in data["assetNodes"]
                     for check in node["assetChecksOrError"]["checks"]}
    assert served_checks == {(tuple(key.asset_key.path), key.name) for key in graph.asset_check_keys}
    # the three kinds of check a user looks for, by name
    assert (("raw", "submissions"), "conservation") in served_checks
    assert (("marts", "fct_dealer_scorecard"), "drift_dealer_sell_out_qty") in served_checks
    assert (("marts", "fct_expense_writeoff"), "assert_status_matches_amounts") in served_checks

    # the instance is dcw's (pipelines/orchestration/dagster.yaml): no sign-up dialog over the UI
    assert data["shouldShowNux"] is False


def test_browser_shows_a_mart_in_its_lineage(dagster_ui, page, tmp_path):
    page.goto(f"{dagster_ui}/assets/marts/fct_expense_writeoff"
              "?view=lineage&lineageScope=upstream&lineageDepth=1")
    # the mart's node and one of its inputs, drawn in the graph
    page.get_by_text("fct_expense_writeoff", exact=True).last.wait_for()
    page.get_by_text("int_claim_rules", exact=True).first.wait_for()
    assert page.get_by_text("Join the Dagster community").count() == 0
    screenshot(page, tmp_path / "lineage.png")


def test_browser_lists_the_checks_of_a_mart(dagster_ui, page, tmp_path):
    page.goto(f"{dagster_ui}/assets/marts/fct_dealer_scorecard?view=checks")
    page.get_by_text("drift_dealer_sell_out_qty", exact=True).first.wait_for()
    checks = [k for k in defs.resolve_asset_graph().asset_check_keys
              if k.asset_key.path == ["marts", "fct_dealer_scorecard"]]
    page.get_by_text(f"Checks ({len(checks)})").wait_for()
    screenshot(page, tmp_path / "checks.png")


def test_browser_catalog_lists_a_mart_domain_group(dagster_ui, page, tmp_path):
    """A mart's group is its domain folder (dbt_project/models/marts/finance/)."""
    graph = defs.resolve_asset_graph()
    marts = sorted(key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "finance")
    page.goto(f"{dagster_ui}/locations/dcw/asset-groups/finance/list")
    page.get_by_text("marts / fct_expense_writeoff").first.wait_for()
    # long names are cut in the middle on screen; the full name is in the page
    for key in marts:
        page.get_by_text(" / ".join(key.path), exact=True).first.wait_for(state="attached")
    screenshot(page, tmp_path / "catalog_finance.png")
