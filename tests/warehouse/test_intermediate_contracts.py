"""The intermediate models are held as the marts are: an enforced contract with a data type on
every column, their keys and required columns as constraints DuckDB enforces, not as data
tests (a node each on every night); the line-level models keep their tests
(dbt_project/README.md, "Contracts and tests")."""

import json

from pipelines.dbt import dbt_project, ensure_manifest

LINE_LEVEL = {"int_sales_lines", "int_diversion_flags"}
# what a constraint holds, which no data test should hold again
CONSTRAINT_TESTS = {"not_null", "unique", "unique_combination_of_columns"}


def test_intermediate_models_hold_their_keys_as_contract_constraints():
    ensure_manifest()
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    nodes = manifest["nodes"].values()
    held = [n for n in nodes if n["resource_type"] == "model" and n["fqn"][1] == "intermediate"
            and n["name"] not in LINE_LEVEL]
    assert len(held) >= 9
    fallback = {n["name"] for n in manifest["disabled"].values() for n in n
                if n["resource_type"] == "test" and n["name"].startswith("contract_constraints_")}
    for node in held:
        assert node["contract"]["enforced"], node["name"]
        assert [c for c, col in node["columns"].items() if not col["data_type"]] == [], node["name"]
        assert f"contract_constraints_{node['name']}_" in fallback, node["name"]
        constrained = node["constraints"] or any(col["constraints"] for col in node["columns"].values())
        assert constrained, node["name"]
    ids = {n["unique_id"] for n in held}
    again = [t["name"] for t in nodes if t["resource_type"] == "test"
             and (t.get("test_metadata") or {}).get("name") in CONSTRAINT_TESTS
             and set(t["depends_on"]["nodes"]) & ids]
    assert again == []
