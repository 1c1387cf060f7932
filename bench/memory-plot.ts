/**
 * A hand-written SVG line chart of server memory versus connection count (no plotting dependency), for
 * the README. One colour per implementation; solid lines for WebSocket, dashed for long-polling.
 */

export interface PlotSeries {
  readonly name: string;
  readonly color: string;
  readonly dashed: boolean;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface PlotSpec {
  readonly title: string;
  readonly subtitle: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly PlotSeries[];
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 200, top: 56, bottom: 56 } as const;

/** A "nice" tick step (1, 2 or 5 × 10^n) giving about `count` ticks over `range`. */
function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function formatTick(value: number): string {
  if (value >= 1000 && value % 1000 === 0) return `${value / 1000}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function renderMemoryPlot(spec: PlotSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p.x));
  const yMax = Math.max(1, ...all.map((p) => p.y));
  const xStep = niceStep(xMax, 6);
  const yStep = niceStep(yMax, 6);
  const xTop = Math.ceil(xMax / xStep) * xStep;
  const yTop = Math.ceil(yMax / yStep) * yStep;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + (x / xTop) * plotW;
  const py = (y: number) => MARGIN.top + plotH - (y / yTop) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="600">${escapeXml(spec.title)}</text>`,
    `<text x="${MARGIN.left}" y="40" fill="#555">${escapeXml(spec.subtitle)}</text>`,
  );
  for (let x = 0; x <= xTop + 1e-9; x += xStep) {
    out.push(
      `<line x1="${px(x).toFixed(1)}" y1="${MARGIN.top}" x2="${px(x).toFixed(1)}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`,
      `<text x="${px(x).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" fill="#333">${formatTick(x)}</text>`,
    );
  }
  for (let y = 0; y <= yTop + 1e-9; y += yStep) {
    out.push(
      `<line x1="${MARGIN.left}" y1="${py(y).toFixed(1)}" x2="${MARGIN.left + plotW}" y2="${py(y).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end" fill="#333">${formatTick(y)}</text>`,
    );
  }
  out.push(
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const d = pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ");
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of pts) {
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
