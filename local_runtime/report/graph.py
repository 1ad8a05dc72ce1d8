"""The state machine as the Step Functions console draws it: every state of the ASL definition, laid
out top to bottom (grandalf's Sugiyama layout), the path the execution took highlighted.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

from local_runtime.report.asl import structure

CHAR_WIDTH, PAD, HEIGHT, GAP, STUB = 7.0, 18.0, 28.0, 30.0, 12.0  # px at the template's 12 px label font


@dataclass(frozen=True)
class Node:
    name: str
    kind: str  # the ASL Type
    status: str  # visited, failed or idle
    visits: int
    x: float  # top-left corner
    y: float
    width: float
    note: str = ""  # what an expected failure meant, or a failed state's error


@dataclass(frozen=True)
class Arrow:
    points: tuple[tuple[float, float], ...]
    kind: str
    taken: bool


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    nodes: tuple[Node, ...]
    arrows: tuple[Arrow, ...]


class _View:
    def __init__(self, w: float, h: float) -> None:
        self.w, self.h, self.xy = w, h, (0.0, 0.0)
        self.path: list[tuple[float, float]] = []

    def setpath(self, points: list[tuple[float, float]]) -> None:
        self.path = points


def _clip(
    center: tuple[float, float], toward: tuple[float, float], w: float, h: float
) -> tuple[float, float]:
    """Where the segment from a box's center toward a point leaves the box."""
    dx, dy = toward[0] - center[0], toward[1] - center[1]
    scale = min(w / 2 / abs(dx) if dx else float("inf"), h / 2 / abs(dy) if dy else float("inf"), 1.0)
    return center[0] + dx * scale, center[1] + dy * scale


def draw(
    definition: Mapping[str, Any],
    path: Sequence[str],
    statuses: Mapping[str, str],
    notes: Mapping[str, str] | None = None,
) -> Drawing:
    """Lay the definition out; `path` is the states in the order visited, `statuses` overrides
    `visited` per state (failed)."""
    shape = structure(definition)
    kinds = shape.kinds
    vertices = {name: Vertex(name) for name in kinds}
    for name, vertex in vertices.items():
        vertex.view = _View(len(name) * CHAR_WIDTH + PAD, HEIGHT)
    # Links into a catch-all handler are left out of the layout: from nearly every state, they would
    # stretch it to several screens' width. They are drawn as short stubs, in full once taken.
    laid = [link for link in shape.links if link.target not in shape.handlers]
    edges = {link: Edge(vertices[link.source], vertices[link.target]) for link in laid}
    for edge in edges.values():
        edge.view = _View(0, 0)
    graph = Graph(list(vertices.values()), list(edges.values()))
    start = vertices.get(str(definition.get("StartAt")))
    offset = 0.0
    for component in sorted(graph.C, key=lambda c: start not in c.sV):
        layout = SugiyamaLayout(component)
        layout.xspace, layout.yspace = GAP / 2, GAP
        roots = [start] if start is not None and start in component.sV else None
        layout.init_all(roots=roots)
        layout.draw()
        left = min(v.view.xy[0] - v.view.w / 2 for v in component.sV)
        right = max(v.view.xy[0] + v.view.w / 2 for v in component.sV)
        for v in component.sV:
            v.view.xy = (v.view.xy[0] - left + offset + GAP / 2, v.view.xy[1] + GAP / 2)
        for e in component.sE:
            e.view.path = [(x - left + offset + GAP / 2, y + GAP / 2) for x, y in e.view.path]
        offset += right - left + GAP
    taken = set(itertools.pairwise(path))
    counts = {name: path.count(name) for name in kinds}
    nodes = tuple(
        Node(
            name,
            kinds[name],
            statuses.get(name, "visited" if counts[name] else "idle"),
            counts[name],
            v.view.xy[0] - v.view.w / 2,
            v.view.xy[1] - v.view.h / 2,
            v.view.w,
            (notes or {}).get(name, ""),
        )
        for name, v in vertices.items()
    )
    arrows = []
    for link, e in edges.items():
        points = list(e.view.path) or [e.v[0].view.xy, e.v[1].view.xy]
        if len(points) < 2 or link.source == link.target:
            continue
        src, dst = e.v[0].view, e.v[1].view
        points[0] = _clip(points[0], points[1], src.w, src.h)
        points[-1] = _clip(points[-1], points[-2], dst.w, dst.h)
        arrows.append(Arrow(tuple(points), link.kind, (link.source, link.target) in taken))
    for link in shape.links:
        if link.target not in shape.handlers:
            continue
        src, dst = vertices[link.source].view, vertices[link.target].view
        if (link.source, link.target) in taken:
            points = [_clip(src.xy, dst.xy, src.w, src.h), _clip(dst.xy, src.xy, dst.w, dst.h)]
            arrows.append(Arrow(tuple(points), "handler", True))
        else:
            right = (src.xy[0] + src.w / 2, src.xy[1])
            arrows.append(Arrow((right, (right[0] + STUB, right[1])), "handler", False))
    height = max((n.y + HEIGHT for n in nodes), default=0.0) + GAP / 2
    return Drawing(offset, height, nodes, tuple(sorted(arrows, key=lambda a: a.taken)))
