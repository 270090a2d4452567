"""Converts every rule in detections/rules/ for Splunk, Elastic, Sentinel and OpenSearch into
detections/dist/ (run by `npm run detections` inside the venv of scripts/ci/sigma.sh).

Output is deterministic (sorted, no timestamps) so a test can rebuild it and diff. What a
backend cannot express (correlations in Lucene and Kusto, for example) is not silently
skipped: dist/support.json records it per rule and target, with the backend's message.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Callable

import yaml
from sigma.backends.elasticsearch import ESQLBackend, LuceneBackend
from sigma.backends.kusto import KustoBackend
from sigma.backends.opensearch import OpensearchLuceneBackend, OpenSearchPPLBackend
from sigma.backends.splunk import SplunkBackend
from sigma.collection import SigmaCollection
from sigma.conditions import ConditionFieldEqualsValueExpression, ConditionOR
from sigma.conversion.base import Backend
from sigma.conversion.state import ConversionState
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaFeatureNotSupportedByBackendError
from sigma.processing.pipeline import ProcessingPipeline
from sigma.rule import SigmaRule
from sigma.types import SigmaBool, SigmaExists, SigmaNull, SigmaNumber, SigmaString, SpecialChars

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
PIPELINES = ROOT / "pipelines"


class SentinelKustoBackend(KustoBackend):
    """Kusto quotes any field name that is not one word, and a quoted name is a string literal
    in KQL; in ClaudeAudit_CL a dotted name is a property path of the dynamic column Activity.
    KQL compares a dynamic value only once it is cast, and a boolean only with ==."""

    field_quote_pattern = re.compile(r"^[\w.]+$")

    def escape_and_quote_field(self, field_name: str) -> str:
        if field_name.startswith("tostring("):  # the backend escapes a list's field again per wildcard value
            return field_name
        field = super().escape_and_quote_field(field_name)
        return f"tostring({field})" if "." in field_name else field

    def convert_condition_field_eq_val_bool(self, cond: ConditionFieldEqualsValueExpression, state: ConversionState) -> str:
        field = super().escape_and_quote_field(cond.field)
        path = f"tobool({field})" if "." in cond.field else field
        return f"{path} == {self.bool_values[cond.value.boolean]}"


# Our Elasticsearch sink maps anthropic.audit as one `flattened` field (src/sinks/elasticsearch/
# templates.ts). ES|QL 8.19 cannot read a flattened field's keys as columns (Unknown column),
# but its KQL function can match them, in WHERE and in a STATS aggregate's WHERE (not EVAL).
FLATTENED = "anthropic.audit."
KQL_SPECIAL = re.compile(r'([\\():<>"*{}\s])')


def is_flattened(field: str) -> bool:
    return field.startswith(FLATTENED)


class EcsEsqlBackend(ESQLBackend):
    """ES|QL for our ECS documents: a condition on a key of the flattened anthropic.audit is a
    kql() call; a temporal correlation counts each rule in STATS (kql() is refused in the
    EVAL the stock backend types events with); flattened keys are left out of values().
    Under `not`, a comparison on a missing field is false, as Sigma defines it, not null
    (ES|QL's `not null` is null, which would drop the event)."""

    temporal_correlation_query = {"stats": "{search}\n{aggregate}\n{condition}"}
    negations = 0

    def convert_condition_not(self, cond, state: ConversionState):
        self.negations += 1
        try:
            return super().convert_condition_not(cond, state)
        finally:
            self.negations -= 1

    def null_safe(self, field: str, expression):
        if self.negations == 0 or not isinstance(expression, str):
            return expression
        return f"({self.escape_and_quote_field(field)} is not null and {expression})"

    def convert_condition_field_eq_val(self, cond: ConditionFieldEqualsValueExpression, state: ConversionState):
        if not is_flattened(cond.field):
            if isinstance(cond.value, (SigmaExists, SigmaNull)):
                return super().convert_condition_field_eq_val(cond, state)
            return self.null_safe(cond.field, super().convert_condition_field_eq_val(cond, state))
        value = cond.value
        if isinstance(value, SigmaExists):
            return self.kql(f"{cond.field}:*", negated=not value.exists)
        if isinstance(value, SigmaNull):
            return self.kql(f"{cond.field}:*", negated=True)
        return self.kql(f"{cond.field}:{self.kql_value(value)}")

    def convert_condition_as_in_expression(self, cond, state: ConversionState):
        field = cond.args[0].field
        if not is_flattened(field):
            return self.null_safe(field, super().convert_condition_as_in_expression(cond, state))
        # One field:value clause per value: Elasticsearch's KQL refuses quoted values in a
        # field:(… or …) list.
        joiner = " or " if isinstance(cond, ConditionOR) else " and "
        return self.kql(f"({joiner.join(f'{field}:{self.kql_value(arg.value)}' for arg in cond.args)})")

    @staticmethod
    def kql_value(value: object) -> str:
        if isinstance(value, SigmaBool):
            return "true" if value.boolean else "false"
        if isinstance(value, SigmaNumber):
            return str(value)
        if isinstance(value, SigmaString) and not value.contains_special():
            # Quoted: a plain value is matched exactly, even `or` or `not`.
            return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(value, SigmaString):
            out = []
            for part in value.s:
                if part == SpecialChars.WILDCARD_MULTI:
                    out.append("*")
                elif isinstance(part, str):
                    out.append(KQL_SPECIAL.sub(r"\\\1", part))
                else:
                    raise SigmaFeatureNotSupportedByBackendError("KQL has no single-character wildcard")
            return "".join(out)
        raise SigmaFeatureNotSupportedByBackendError(f"{type(value).__name__} on a flattened field")

    @staticmethod
    def kql(query: str, negated: bool = False) -> str:
        literal = '"' + query.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{'not ' if negated else ''}kql({literal})"

    def convert_correlation_aggregation_from_template(self, rule, correlation_type, method, search):
        if correlation_type != "temporal":
            return super().convert_correlation_aggregation_from_template(rule, correlation_type, method, search)
        counts = [
            (f"`{reference.rule.name}`", query)
            for reference in rule.referenced_rules
            for query in reference.rule.get_conversion_result()
        ]
        fields = self.convert_correlation_aggregation_fields_from_template(rule.fields, rule.referenced_rules, rule.group_by, method)
        groupby = self.convert_correlation_aggregation_groupby_from_template(rule.group_by, method)
        return (
            f"| eval timebucket=date_trunc({self.convert_timespan(rule.timespan, method)}, @timestamp)"
            f" | stats {', '.join(f'{name}=count(*) where {query}' for name, query in counts)}{fields}{groupby}"
            f" | eval event_type_count={' + '.join(f'case({name} > 0, 1, 0)' for name, _ in counts)}"
        )

    def convert_correlation_aggregation_fields_from_template(self, correlation_rule_fields, referenced_rules, group_by, method):
        fields: list[str] = []
        for reference in referenced_rules:
            for field in reference.rule.fields:
                if not is_flattened(field) and field not in (group_by or []) and field not in fields:
                    fields.append(field)
        return "".join(f", {self.escape_and_quote_field(f)}=values({self.escape_and_quote_field(f)})" for f in fields)

    def convert_correlation_aggregation_groupby_from_template(self, group_by, method):
        if any(is_flattened(field) for field in group_by or []):
            raise SigmaFeatureNotSupportedByBackendError(f"grouping by a key of the flattened {FLATTENED[:-1]}")
        return super().convert_correlation_aggregation_groupby_from_template(group_by, method)


def pipeline(*names: str) -> ProcessingPipeline:
    out = ProcessingPipeline()
    for name in names:
        out = out + ProcessingPipeline.from_yaml((PIPELINES / f"{name}.yml").read_text())
    return out


Target = tuple[str, str, Callable[[], Backend], str]

# (name in support.json, directory under dist/, backend factory, file extension of one query)
TARGETS: list[Target] = [
    ("splunk", "splunk", lambda: SplunkBackend(pipeline("claude_placeholders", "claude_splunk_hec"), collect_errors=True), "spl"),
    # Kibana gets Lucene query rules for single events (plain, deduplicated per source
    # document) and ES|QL for correlations; every rule also ships as ES|QL.
    ("elastic", "elastic", lambda: LuceneBackend(pipeline("claude_placeholders", "claude_ecs"), collect_errors=True), "lucene"),
    ("elastic_esql", "elastic", lambda: EcsEsqlBackend(pipeline("claude_placeholders", "claude_ecs"), collect_errors=True), "esql"),
    ("sentinel", "sentinel", lambda: SentinelKustoBackend(pipeline("claude_placeholders", "claude_sentinel"), collect_errors=True), "kql"),
    ("opensearch", "opensearch", lambda: OpensearchLuceneBackend(pipeline("claude_placeholders", "claude_ecs"), collect_errors=True), "lucene"),
    ("opensearch_ppl", "opensearch_ppl", lambda: OpenSearchPPLBackend(pipeline("claude_placeholders", "claude_ecs"), collect_errors=True), "ppl"),
]


# OCSF names that must not survive an ECS pipeline (a backend that skips a mapping, e.g. PPL
# correlation group-by fields, would otherwise ship a query that can never match).
OCSF_ONLY = ("metadata.event_code", "actor.user.uid", "src_endpoint.ip", "unmapped.", "metadata.tenant_uid")
ECS_TARGETS = {"elastic", "elastic_esql", "opensearch", "opensearch_ppl"}

# PPL only for what OpenSearch's Lucene target cannot do: correlations.
CORRELATION_ONLY = {"opensearch_ppl"}


@functools.cache
def rule_files() -> list[Path]:
    return sorted(RULES.glob("*.yml"))


def load(path: Path) -> SigmaCollection:
    """A fresh collection of one file plus the files of the rules its correlations name
    (fresh: conversion rewrites rules in place)."""
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    own = {d.get("name") for d in docs}
    wanted = {r for d in docs for r in d.get("correlation", {}).get("rules", []) if r not in own}
    paths = [path] + [p for p in rule_files() if p != path and wanted & names_in(p)]
    text = "\n---\n".join(p.read_text() for p in paths)
    return SigmaCollection.from_yaml(text)


def names_needed(path: Path) -> bool:
    return any("correlation" in d for d in yaml.safe_load_all(path.read_text()) if d)


@functools.cache
def names_in(path: Path) -> set[str]:
    return {d.get("name") for d in yaml.safe_load_all(path.read_text()) if d}


def main_rule(collection: SigmaCollection) -> SigmaRule | SigmaCorrelationRule:
    """The rule a file is about: its correlation if it has one, else its only rule."""
    correlations = [r for r in collection.rules if isinstance(r, SigmaCorrelationRule)]
    return correlations[0] if correlations else collection.rules[0]


def convert(make: Callable[[], Backend], path: Path, fmt: str = "default") -> tuple[list[str] | object, str | None]:
    backend = make()
    collection = load(path)
    try:
        result = backend.convert(collection, fmt)
    except Exception as error:  # a backend refusing a whole rule raises rather than collecting
        return [], f"{type(error).__name__}: {error}"
    if backend.errors:
        return [], "; ".join(f"{type(e).__name__}: {e}" for _, e in backend.errors)
    return result, None


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")


DEFAULT_STANZA = re.compile(r"^\[default\]\n(?:[^\[\n].*\n)*\n*")

TACTIC_IDS = {
    "initial-access": "TA0001", "execution": "TA0002", "persistence": "TA0003", "privilege-escalation": "TA0004",
    "defense-evasion": "TA0005", "credential-access": "TA0006", "discovery": "TA0007", "lateral-movement": "TA0008",
    "collection": "TA0009", "exfiltration": "TA0010", "command-and-control": "TA0011", "impact": "TA0040",
}


def ecs_index_pattern() -> str:
    """The index pattern claude_ecs.yml names (the ES sink's default data stream, any namespace)."""
    doc = yaml.safe_load((PIPELINES / "claude_ecs.yml").read_text())
    return next(t["val"] for t in doc["transformations"] if t["id"] == "claude_ecs_index")


def kibana_rule(rule: SigmaRule | SigmaCorrelationRule, query: str, language: str) -> dict:
    """A detection rule in Kibana's import format (Security > Rules > Import): a Lucene query
    rule, or an ES|QL rule (its index is in the query). Built here because the backend's
    siem_rule_ndjson downloads MITRE data, which CI cannot reach."""
    level = rule.level.name.lower() if rule.level is not None else "medium"
    severity = {"informational": "low", "critical": "critical"}.get(level, level)
    risk = {"informational": 21, "low": 21, "medium": 47, "high": 73, "critical": 99}[level]
    techniques = sorted({t.name.upper() for t in rule.tags if t.namespace == "attack" and re.match(r"^t\d", t.name)})
    threat = [
        {"framework": "MITRE ATT&CK", "tactic": {"id": TACTIC_IDS[t.name], "name": t.name, "reference": f"https://attack.mitre.org/tactics/{TACTIC_IDS[t.name]}/"},
         "technique": [{"id": x, "name": x, "reference": f"https://attack.mitre.org/techniques/{x.replace('.', '/')}/"} for x in techniques]}
        for t in rule.tags if t.namespace == "attack" and t.name in TACTIC_IDS
    ]
    return {
        "rule_id": str(rule.id), "name": rule.title, "description": rule.description or rule.title,
        **({"type": "esql", "language": "esql"} if language == "esql" else {"type": "query", "language": "lucene", "index": [ecs_index_pattern()]}),
        "query": query, "severity": severity, "risk_score": risk,
        # @timestamp is created_at and documents land minutes (Access Transparency: days) later:
        # a long look-back catches them, and Kibana creates no second alert for an event it
        # already alerted on in an earlier run's look-back.
        "from": "now-1d" if isinstance(rule, SigmaCorrelationRule) else ("now-7d" if arrives_late(query) else "now-2d"),
        "interval": "5m",
        "enabled": False, "false_positives": list(rule.falsepositives or []), "threat": threat,
        "tags": ["Claude", "Compliance API", "Sigma"], "author": [rule.author or "claude-audit-forwarder"], "license": "Apache-2.0",
        "version": 1,
    }


# Access Transparency rows are visible up to two business days after their created_at (four
# calendar days over a weekend, spec access-transparency.md): their rules look back a week.
LATE_TYPES = ("anthropic_access", "cmek_preserve")


def arrives_late(query: str) -> bool:
    return any(t in query for t in LATE_TYPES)


def sentinel_scheduled(query: str, frequency: str) -> str:
    """TimeGenerated is the activity's created_at and a row lands minutes later (feed indexing,
    polling, Azure ingestion), so a 5-minute run over the last 5 minutes of TimeGenerated would
    miss most rows. Each run takes the rows ingested since the previous one instead, among two
    days of TimeGenerated (queryPeriod), as Microsoft advises for ingestion delay."""
    table, _, rest = query.partition("\n")
    return f"{table}\n| where ingestion_time() > ago({frequency})\n{rest}"


def sentinel_template(rule: SigmaRule | SigmaCorrelationRule, query: str) -> dict:
    """A Sentinel scheduled analytics rule as an ARM resource (workspace is a parameter)."""
    single = isinstance(rule, SigmaRule)
    late = arrives_late(query)
    severity = {"informational": "Informational", "low": "Low", "medium": "Medium", "high": "High", "critical": "High"}
    level = rule.level.name.lower() if rule.level is not None else "medium"
    tactics = sorted({"".join(w.capitalize() for w in t.name.split("-")) for t in rule.tags if t.namespace == "attack" and not re.match(r"^[tgs]\d", t.name)})
    techniques = sorted({t.name.upper().split(".")[0] for t in rule.tags if t.namespace == "attack" and re.match(r"^t\d", t.name)})
    return {
        "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
        "apiVersion": "2023-02-01",
        "name": f"[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{rule.id}')]",
        "kind": "Scheduled",
        "properties": {
            "displayName": rule.title,
            "description": rule.description or "",
            "severity": severity[level],
            "enabled": True,
            "query": sentinel_scheduled(query, "1h" if late else "5m") if single else query,
            "queryFrequency": "PT1H" if late else "PT5M",
            "queryPeriod": ("P7D" if late else "P2D") if single else "P1D",
            "triggerOperator": "GreaterThan",
            "triggerThreshold": 0,
            "suppressionDuration": "PT1H",
            "suppressionEnabled": False,
            "tactics": tactics,
            "techniques": techniques,
        },
    }


def main() -> int:
    # Another output directory lets a test rebuild and diff against the committed dist/.
    dist = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    support: dict[str, dict[str, str]] = {}
    arm: list[dict] = []
    kibana: list[dict] = []
    saved: list[str] = []
    for path in rule_files():
        name = path.stem
        rule = main_rule(SigmaCollection.from_yaml(path.read_text()) if not names_needed(path) else load(path))
        support[name] = {}
        for target, directory, make, ext in TARGETS:
            if target in CORRELATION_ONLY and not isinstance(rule, SigmaCorrelationRule):
                continue
            queries, error = convert(make, path)
            if error is not None:
                support[name][target] = f"unsupported: {error}"
                continue
            query = "\n".join(str(q) for q in queries)  # type: ignore[union-attr]
            leftover = sorted(f for f in OCSF_ONLY if target in ECS_TARGETS and f in query)
            if leftover:
                support[name][target] = f"unsupported: the backend left {', '.join(leftover)} unmapped"
                continue
            support[name][target] = "converted"
            write(dist / directory / f"{name}.{ext}", query)
            if target == "splunk":
                # Per file, so a correlation's generate: false hides no standalone rule; the
                # backend's [default] stanza is kept once.
                conf, _ = convert(make, path, "savedsearches")
                text = str(conf).strip("\n")
                saved.append(text if not saved else DEFAULT_STANZA.sub("", text))
            if target == "elastic":
                kibana.append(kibana_rule(rule, query, "lucene"))
            if target == "elastic_esql" and isinstance(rule, SigmaCorrelationRule):
                kibana.append(kibana_rule(rule, query, "esql"))
            if target == "sentinel":
                arm.append(sentinel_template(rule, query))
    write(dist / "splunk" / "savedsearches.conf", "\n\n".join(saved))
    write(dist / "elastic" / "detection_rules.ndjson", "\n".join(json.dumps(r, sort_keys=True) for r in kibana))
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"workspace": {"type": "string"}},
        "resources": arm,
    }
    write(dist / "sentinel" / "analytics_rules.json", json.dumps(template, indent=2, sort_keys=True))
    write(dist / "support.json", json.dumps(support, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
