"""The entry page of the Data Docs: a static index of the latest validation of every suite.

GE's own index page draws its table with jQuery, Bootstrap and bootstrap-table fetched from
CDNs, so on a machine without internet (ours, most production networks) it shows an empty
table. `OfflineSiteIndexBuilder` takes its place in GE's SiteBuilder: it reads the same
stores, cleans stale pages the same way and links the same result pages, but writes plain
HTML with inline CSS and no script, which reads the same offline, from disk or over HTTP.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder

PASSED = "Succeeded"  # the words GE's result pages use ("Status: Succeeded")
FAILED = "Failed"


@dataclass(frozen=True)
class SuiteRun:
    """One validation of one suite, as the index shows it."""

    suite: str
    validated_at: datetime  # aware, UTC
    success: bool
    evaluated: int
    successful: int
    unsuccessful: int
    result_href: str  # the result page, relative to the index
    suite_href: str | None  # the suite's page, if the site has one

    @property
    def status(self) -> str:
        return PASSED if self.success else FAILED


def suite_run(result: Any, validated_at: datetime, result_href: str,
              suite_href: str | None) -> SuiteRun:
    """The index row of a GE ExpectationSuiteValidationResult."""
    stats = result.statistics
    return SuiteRun(suite=result.suite_name, validated_at=validated_at,
                    success=bool(result.success),
                    evaluated=int(stats["evaluated_expectations"]),
                    successful=int(stats["successful_expectations"]),
                    unsuccessful=int(stats["unsuccessful_expectations"]),
                    result_href=result_href, suite_href=suite_href)


def latest_runs(runs: Iterable[SuiteRun]) -> list[SuiteRun]:
    """The latest run of each suite; failed suites first (what an operator looks for), then
    by name."""
    latest: dict[str, SuiteRun] = {}
    for run in runs:
        if run.suite not in latest or run.validated_at > latest[run.suite].validated_at:
            latest[run.suite] = run
    return sorted(latest.values(), key=lambda r: (r.success, r.suite))


_STYLE = """
body { font-family: "Noto Sans", "WenQuanYi Micro Hei", Arial, sans-serif; margin: 2em;
       color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
p.summary { font-size: 1.1em; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { border: 1px solid #ccc; padding: 0.45em 0.8em; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fdecea; }
.status { font-weight: bold; }
tr.failed .status { color: #b00020; }
tr.succeeded .status { color: #1b7f3b; }
"""


def render_index(runs: list[SuiteRun],
                 title: str = "数据漂移警告 / Drift warnings: Great Expectations") -> str:
    """The index page of `runs` (in the order given): a summary line and one table row per
    suite with its status, validation time, expectation counts and links. No script and
    nothing fetched from another host."""
    failed = [r.suite for r in runs if not r.success]
    which = f" ({', '.join(failed)})" if failed else ""
    summary = (f"已验证 {len(runs)} 个套件: {len(runs) - len(failed)} 个通过, {len(failed)} 个警告{which}。"
               f" / {len(runs)} suites validated: {len(runs) - len(failed)} succeeded, "
               f"{len(failed)} warned{which}.")
    rows = "\n".join(_row(r) for r in runs)
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<title>{e(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{e(title)}</h1>
<p class="summary" id="summary">{e(summary)}</p>
<p>每个套件的最新验证; 时间为 UTC; 打开套件查看其结果页。"Failed" 表示漂移警告, 不阻断发布。 /
The latest validation of each suite; times in UTC. Open a suite for its result page.
"Failed" is a drift warning: it blocks nothing (docs/quality.md).</p>
<table id="suites">
<thead><tr><th>Suite</th><th>Status</th><th>Validated (UTC)</th>
<th>Evaluated</th><th>Successful</th><th>Unsuccessful</th><th>Expectations</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


def _row(run: SuiteRun) -> str:
    e = html.escape
    at = run.validated_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    suite_link = (f'<a href="{e(run.suite_href)}">suite</a>' if run.suite_href else "")
    return (f'<tr class="{run.status.lower()}" data-suite="{e(run.suite)}">'
            f'<td><a class="result" href="{e(run.result_href)}">{e(run.suite)}</a></td>'
            f'<td class="status">{run.status}</td><td>{at}</td>'
            f'<td class="num">{run.evaluated}</td><td class="num">{run.successful}</td>'
            f'<td class="num">{run.unsuccessful}</td><td>{suite_link}</td></tr>')


class OfflineSiteIndexBuilder(DefaultSiteIndexBuilder):
    """GE's site index builder with its page replaced by `render_index`; set it as the
    site's `site_index_builder` (module pipelines.quality.docs)."""

    def build(self, skip_and_clean_missing: bool = True, build_index: bool = True):
        if not build_index:
            return None, None
        links: OrderedDict = OrderedDict(site_name=self.site_name)
        # GE's own walks: they drop pages whose suite or result left the stores and list the
        # pages that remain; the links have GE's relative, URL-quoted paths
        self._add_expectations_to_index_links(links, skip_and_clean_missing)
        suite_pages = {link["expectation_suite_name"]: link["filepath"]
                       for link in links.get("expectations_links", [])}
        store = self.data_context.stores[self.source_stores["validations"]]
        runs = []
        for key in self._build_validation_and_profiling_result_site_keys(skip_and_clean_missing):
            result = store.get(key)
            name = key.expectation_suite_identifier.name
            link = self.add_resource_info_to_index_links_dict(
                links, name, "validations", batch_identifier=key.batch_identifier,
                run_id=key.run_id, validation_success=result.success,
                run_time=key.run_id.run_time, run_name=key.run_id.run_name,
                asset_name=result.asset_name)["validations_links"][-1]
            runs.append(suite_run(result, key.run_id.run_time, link["filepath"],
                                  suite_pages.get(name)))
        return self.target_store.write_index_page(render_index(latest_runs(runs))), links
