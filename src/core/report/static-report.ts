// What a report shows without JavaScript: the drawing of every graph module as inline SVG inside
// <noscript>, so a report opened where scripts do not run (a mail client, a locked-down
// browser, a CI artifact preview) still shows the graphs.
import { buildGraphDrawing } from './graph-drawing.js';
import { layoutGraphDrawing } from './graph-layout.js';
import { escapeXml, renderGraphSvg } from './graph-svg.js';
import { graphTable, type ViewSnapshot } from './view-data.js';

/** Drawings above this many nodes are left out of a report (they would make it megabytes larger). */
export const STATIC_MAX_NODES = 3000;

/** The `<noscript>` block of a report: its name and one SVG drawing per graph module. */
export function renderStaticReport(snapshot: ViewSnapshot): string {
  const parts = [
    `<h1>${escapeXml(snapshot.name)}</h1>`,
    '<p>This report needs JavaScript for everything but these drawings of its graphs.</p>',
  ];
  Object.entries(snapshot.modules).forEach(([name, m], i) => {
    if (m.graph === null) return;
    parts.push(`<h2>Module ${escapeXml(name)}</h2>`);
    const table = graphTable(m.graph, new Set(m.params.map((p) => p.name)));
    const drawing = buildGraphDrawing(table);
    if (drawing.nodes.length > STATIC_MAX_NODES) {
      parts.push(`<p>${drawing.nodes.length} nodes: too large to embed; use mlf graph --format svg.</p>`);
      return;
    }
    parts.push(
      renderGraphSvg(layoutGraphDrawing(drawing), {
        legend: true,
        title: `Graph of module ${name}`,
        idPrefix: `static-${i}`,
      }),
    );
  });
  return `<noscript><div class="static-report">${parts.join('\n')}</div></noscript>`;
}
