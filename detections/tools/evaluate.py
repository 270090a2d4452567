"""Engine-free evaluation of the rules on our OCSF events: pySigma parses each rule (and
applies the placeholder pipeline), this file walks pySigma's parsed condition over the
events. It proves a rule's logic and field names against the normalizer's real output; it
does NOT prove the converted SPL/ES|QL/KQL/Lucene (that needs a real engine).

stdin: {"cases": [{"rule": name, "kind": "fire"|"quiet", "index": n, "vars": {...}?,
"pipelines": [name, ...]?, "events": [event, ...]}]}: without pipelines the events are our
OCSF output; with ["claude_ecs"], our ECS output; with ["claude_sentinel"], the rows of
ClaudeAudit_CL our Sentinel sink writes (proving that pipeline's field mapping; a dotted name
there is a property path of the Activity column). stdout: {"results": [{"rule", "kind", "index", "fired"}]}.
Correlations use the Sigma spec's sliding windows over the events' time.

Or stdin: {"match": {"rules": [name, ...], "vars": {rule: {...}}?, "pipelines": [...]?,
"id_field": "event.id", "events": [...]}}: stdout {"matches": {rule: [id, ...]}}, the ids of
the events each (single, non-correlation) rule matches: the reference a real engine's hits
for the converted query are held to.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import load, pipeline  # noqa: E402
from sigma.collection import SigmaCollection  # noqa: E402
from sigma.conditions import (  # noqa: E402
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
)
from sigma.correlations import SigmaCorrelationRule  # noqa: E402
from sigma.processing.pipeline import ProcessingPipeline  # noqa: E402
from sigma.rule import SigmaRule  # noqa: E402
from sigma.types import SigmaBool, SigmaExists, SigmaNull, SigmaNumber, SigmaString, SpecialChars  # noqa: E402

Event = dict[str, Any]
MISSING = object()


def lookup(event: Event, path: str) -> Any:
    node: Any = event
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def string_regex(value: SigmaString) -> re.Pattern[str]:
    parts = []
    for part in value.s:
        if part == SpecialChars.WILDCARD_MULTI:
            parts.append(".*")
        elif part == SpecialChars.WILDCARD_SINGLE:
            parts.append(".")
        else:
            parts.append(re.escape(part))
    return re.compile("".join(parts), re.DOTALL | re.IGNORECASE)


def value_matches(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):  # a list field matches when one element does
        return any(value_matches(a, expected) for a in actual)
    if isinstance(expected, SigmaString):
        if isinstance(actual, bool) or actual is None or actual is MISSING or isinstance(actual, dict):
            return False
        return string_regex(expected).fullmatch(str(actual)) is not None
    if isinstance(expected, SigmaBool):
        return isinstance(actual, bool) and actual == expected.boolean
    if isinstance(expected, SigmaNumber):
        return not isinstance(actual, bool) and isinstance(actual, (int, float)) and actual == expected.number
    if isinstance(expected, SigmaNull):
        return actual is None or actual is MISSING
    raise NotImplementedError(f"no evaluator for Sigma value {type(expected).__name__}")


def evaluate(node: Any, event: Event) -> bool:
    if isinstance(node, ConditionAND):
        return all(evaluate(a, event) for a in node.args)
    if isinstance(node, ConditionOR):
        return any(evaluate(a, event) for a in node.args)
    if isinstance(node, ConditionNOT):
        return not evaluate(node.args[0], event)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        actual = lookup(event, node.field)
        if isinstance(node.value, SigmaExists):
            return (actual is not MISSING and actual is not None) == node.value.exists
        return actual is not MISSING and value_matches(actual, node.value)
    raise NotImplementedError(f"no evaluator for condition {type(node).__name__}")


def rule_matches(rule: SigmaRule, event: Event) -> bool:
    return any(evaluate(c.parsed, event) for c in rule.detection.parsed_condition)


def event_ms(event: Event) -> int:
    """OCSF `time` (epoch ms), else ECS `@timestamp` or Sentinel `TimeGenerated` (RFC 3339,
    microseconds allowed)."""
    if "time" in event:
        return int(event["time"])
    stamp = datetime.fromisoformat(str(event.get("@timestamp", event.get("TimeGenerated"))).replace("Z", "+00:00"))
    return int(stamp.timestamp() * 1000)


def seconds(timespan: Any) -> int:
    return int(timespan.seconds)


def compare(op: str, actual: int, expected: int) -> bool:
    return {
        "gt": actual > expected, "gte": actual >= expected, "lt": actual < expected,
        "lte": actual <= expected, "eq": actual == expected, "neq": actual != expected,
    }[op]


def correlation_fires(corr: SigmaCorrelationRule, events: list[Event]) -> bool:
    bases = [ref.rule for ref in corr.rules]
    group_by = list(corr.group_by or [])
    hits: list[tuple[int, tuple[Any, ...], int, Event]] = []  # (time, group, base index, event)
    for event in events:
        group = tuple(json.dumps(lookup(event, f), default=str) for f in group_by)
        if any(lookup(event, f) is MISSING for f in group_by):
            continue
        for i, base in enumerate(bases):
            if rule_matches(base, event):
                hits.append((event_ms(event), group, i, event))
    hits.sort(key=lambda h: h[0])
    span_ms = seconds(corr.timespan) * 1000
    kind = corr.type.name.lower()
    for start, group, _, _ in hits:
        window = [h for h in hits if h[1] == group and start <= h[0] <= start + span_ms]
        if kind == "temporal":
            if len({h[2] for h in window}) == len(bases):
                return True
            continue
        cond = corr.condition
        op = cond.op.name.lower()
        if kind == "event_count":
            n = len(window)
        elif kind == "value_count":
            n = len({json.dumps(lookup(h[3], cond.fieldref), default=str) for h in window if lookup(h[3], cond.fieldref) is not MISSING})
        else:
            raise NotImplementedError(f"no evaluator for correlation type {kind}")
        if compare(op, n, cond.count):
            return True
    return False


RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


def processed(rule: str, pipelines: list[str], variables: dict[str, Any] | None) -> SigmaCollection:
    """The rule's file (and the rules its correlation names) through the pipelines, as a backend sees them."""
    collection: SigmaCollection = load(RULES_DIR / f"{rule}.yml")
    processing: ProcessingPipeline = pipeline("claude_placeholders", *pipelines)
    if variables:
        processing.vars.update(variables)
    for r in collection.rules:
        if isinstance(r, SigmaRule):
            processing.apply(r)
    for r in collection.rules:  # after their base rules, as a backend does
        if isinstance(r, SigmaCorrelationRule):
            processing.apply(r)
    return collection


def matches(request: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    events = request["events"]
    for rule in request["rules"]:
        collection = processed(rule, request.get("pipelines", []), request.get("vars", {}).get(rule))
        target = next(r for r in collection.rules if isinstance(r, SigmaRule) and r.name == rule)
        out[rule] = [str(lookup(e, request["id_field"])) for e in events if rule_matches(target, e)]
    return out


def main() -> int:
    request = json.load(sys.stdin)
    if "match" in request:
        json.dump({"matches": matches(request["match"])}, sys.stdout)
        return 0
    results = []
    for case in request["cases"]:
        collection = processed(case["rule"], case.get("pipelines", []), case.get("vars"))
        main_rule = next((r for r in collection.rules if isinstance(r, SigmaCorrelationRule)), None)
        events = case["events"]
        if main_rule is not None:
            fired = correlation_fires(main_rule, events)
        else:
            target = next(r for r in collection.rules if r.name == case["rule"])
            fired = any(rule_matches(target, e) for e in events)
        results.append({"rule": case["rule"], "kind": case["kind"], "index": case["index"], "fired": fired})
    json.dump({"results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
