"""The states of an ASL definition and the links between them.

Links follow `Next`, `Choices[].Next`, `Default` and `Catch[].Next`; a Parallel state leads into
each branch's `StartAt` and a Map state into its iterator's, whose last states lead on to the
Parallel's or Map's `Next` (https://states-language.net/spec.html).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    kind: str  # next, choice, catch or branch; an arrow into a catch-all handler is `handler`


def _walk(states: Mapping[str, Any], after: str | None) -> Iterator[tuple[str, dict[str, Any], list[Link]]]:
    """Each state with its outgoing links; `after` is where a branch's last states lead."""
    for name, state in states.items():
        links = [Link(name, str(state["Next"]), "next")] if "Next" in state else []
        links += [Link(name, str(c["Next"]), "choice") for c in state.get("Choices", []) if "Next" in c]
        links += [Link(name, str(state["Default"]), "choice")] if "Default" in state else []
        links += [Link(name, str(c["Next"]), "catch") for c in state.get("Catch", [])]
        if state.get("End") and after is not None:
            links.append(Link(name, after, "branch"))
        nested = [*state.get("Branches", [])]
        nested += [p for p in (state.get("ItemProcessor"), state.get("Iterator")) if p]
        links += [Link(name, str(branch["StartAt"]), "branch") for branch in nested]
        yield name, state, links
        for branch in nested:
            yield from _walk(branch["States"], state.get("Next") or after)


@dataclass(frozen=True)
class Structure:
    kinds: dict[str, str]  # state name -> ASL type (names are unique in a whole definition)
    links: list[Link]
    handlers: set[str]  # the targets of catch-all (`States.ALL`) Catchers: where any failure goes


def structure(definition: Mapping[str, Any]) -> Structure:
    kinds: dict[str, str] = {}
    links: list[Link] = []
    handlers: set[str] = set()
    for name, state, out in _walk(definition["States"], None):
        kinds[name] = str(state.get("Type", ""))
        links += out
        catch_all = [c for c in state.get("Catch", []) if "States.ALL" in c.get("ErrorEquals", [])]
        handlers.update(str(c["Next"]) for c in catch_all)
    return Structure(kinds, [link for link in dict.fromkeys(links) if link.target in kinds], handlers)
