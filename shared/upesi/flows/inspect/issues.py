"""Issues found by inspection."""

from __future__ import annotations

from typing import Any

import regex

from upesi.flows.definition import Flow, Node
from upesi.flows.inspect.deps import Dependencies

WHATSAPP_WINDOW_SECONDS = 24 * 60 * 60


def _missing_dependencies(deps: Dependencies) -> list[dict[str, Any]]:
    out = []
    seen = set()
    for node_uuid, action_uuid, lang, dep in deps.occurrences:
        if not dep.missing:
            continue
        key = (node_uuid, action_uuid, lang, dep.kind, dep.ident)
        if key in seen:
            continue
        seen.add(key)
        issue: dict[str, Any] = {"type": "missing_dependency", "node_uuid": node_uuid}
        if action_uuid:
            issue["action_uuid"] = action_uuid
        if lang:
            issue["language"] = lang
        issue["description"] = f"missing {dep.kind} dependency '{dep.ident}'"
        issue["dependency"] = dep.ref()
        out.append(issue)
    return out


def _invalid_regexes(flow: Flow, node: Node) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    r = node.router
    if r is None:
        return out
    for c in r.cases:
        if c.type != "has_pattern":
            continue
        sources: list[tuple[str | None, list[str]]] = [(None, c.arguments)]
        for language, items in flow.localization.items():
            if c.uuid in items and items[c.uuid].get("arguments"):
                sources.append((language, items[c.uuid]["arguments"]))
        for lang, args in sources:
            if not args or "@" in args[0]:
                continue
            try:
                regex.compile(args[0])
            except regex.error:
                issue: dict[str, Any] = {"type": "invalid_regex", "node_uuid": node.uuid}
                if lang:
                    issue["language"] = lang
                issue["description"] = f"invalid regex: {args[0]}"
                issue["regex"] = args[0]
                out.append(issue)
    # goflow lists localized problems before base ones
    return sorted(out, key=lambda i: 0 if "language" in i else 1)


def _legacy_vars(node: Node) -> list[dict[str, Any]]:
    out = []
    for a in node.actions:
        if a["type"] == "start_session" and a.get("legacy_vars"):  # as goflow: not send_broadcast
            out.append(
                {
                    "type": "legacy_vars",
                    "node_uuid": node.uuid,
                    "action_uuid": a["uuid"],
                    "description": "use of expressions instead of contact query",
                    "vars": list(a["legacy_vars"]),
                }
            )
    return out


def _whatsapp_window(flow: Flow) -> list[dict[str, Any]]:
    """Non-template send_msg reachable from a wait's timeout route when the timeout is over 24 hours.

    A reply from the contact reopens WhatsApp's 24-hour window, but a timeout fires without one, so
    a free-form message sent on that route would be refused.
    """
    out = []
    for node in flow.nodes:
        r = node.router
        if r is None or r.wait is None or r.wait.timeout is None:
            continue
        if r.wait.timeout.seconds <= WHATSAPP_WINDOW_SECONDS:
            continue
        cat = r.category(r.wait.timeout.category_uuid)
        ex = node.exit(cat.exit_uuid) if cat else None
        todo = [ex.destination_uuid] if ex and ex.destination_uuid else []
        seen: set[str] = set()
        while todo:
            uuid = todo.pop()
            if uuid in seen:
                continue
            seen.add(uuid)
            n = flow.node(uuid)
            if n is None:
                continue
            for a in n.actions:
                if a["type"] == "send_msg" and not a.get("template"):
                    out.append(
                        {
                            "type": "whatsapp_window",
                            "node_uuid": n.uuid,
                            "action_uuid": a["uuid"],
                            "description": "message without a template can be sent more than 24 hours after the "
                            "contact's last message (refused by WhatsApp)",
                            "wait_node_uuid": node.uuid,
                        }
                    )
            if n.router is not None and n.router.wait is not None:
                continue  # a reply there reopens the window
            todo.extend(e.destination_uuid for e in n.exits if e.destination_uuid)
    return out


def _ussd_screens(flow: Flow, limit: int) -> list[dict[str, Any]]:
    """send_msg whose text, with its quick replies as numbered options, cannot fit one USSD screen (checked
    only for flows a USSD trigger starts: the caller passes the screen's limit). Expressions count as written,
    so a message that fits may still grow at run time, where it is cut with a marker."""
    from upesi.ussd.screen import menu

    out = []
    for node in flow.nodes:
        for a in node.actions:
            if a["type"] != "send_msg":
                continue
            versions: list[tuple[str | None, dict[str, Any]]] = [(None, a)]
            versions += [
                (lang, items[a["uuid"]]) for lang, items in flow.localization.items() if a["uuid"] in items
            ]
            for lang, values in versions:
                texts = values.get("text") if lang else [a.get("text") or ""]
                text = (texts[0] if isinstance(texts, list) and texts else texts) or a.get("text") or ""
                quick_replies = values.get("quick_replies") or a.get("quick_replies") or []
                length = len(menu(str(text), [str(q) for q in quick_replies]))
                if length <= limit:
                    continue
                issue: dict[str, Any] = {
                    "type": "ussd_screen",
                    "node_uuid": node.uuid,
                    "action_uuid": a["uuid"],
                }
                if lang:
                    issue["language"] = lang
                issue["description"] = f"message of {length} characters does not fit a USSD screen ({limit})"
                out.append(issue)
    return out


def find_issues(
    flow: Flow, deps: Dependencies, assets: dict[str, Any] | None, screen_limit: int | None = None
) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    if assets is not None:
        issues.extend(_missing_dependencies(deps))
    for node in flow.nodes:
        issues.extend(_invalid_regexes(flow, node))
        issues.extend(_legacy_vars(node))
    issues.extend(_whatsapp_window(flow))
    if screen_limit is not None:
        issues.extend(_ussd_screens(flow, screen_limit))
    return issues
